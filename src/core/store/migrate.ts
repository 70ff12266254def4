// Numbered schema migrations. The schema version is SQLite's user_version; each migration
// runs in its own transaction together with the version bump, so a failure or crash
// leaves the database at the previous version, never half-migrated.
import { AegeesError } from '../../common/errors.js';
import type { Db } from './database.js';

export interface Migration {
  /** The schema version this migration produces; versions count up from 1 without gaps. */
  readonly version: number;
  readonly name: string;
  /** Released migrations never change: databases in the field were built by them. */
  readonly up: (db: Db) => void;
}

export interface MigrationResult {
  readonly from: number;
  readonly to: number;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export function migrate(db: Db, migrations: readonly Migration[]): MigrationResult {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      throw new AegeesError('INTERNAL', `migration ${migration.name} has version ${migration.version}, expected ${index + 1}`);
    }
  });
  const from = schemaVersion(db);
  const latest = migrations.length;
  if (from > latest) {
    throw new AegeesError(
      'UNSUPPORTED_VERSION',
      `the local database has schema version ${from}, newer than this version of Aegees knows (${latest}); update Aegees to open it`,
    );
  }
  if (from === latest) return { from, to: latest };
  // Rebuilding a table needs foreign keys off (SQLite's documented procedure, and the
  // pragma is ignored inside a transaction); each step checks them before it commits.
  db.pragma('foreign_keys = OFF');
  try {
    for (const migration of migrations.slice(from)) {
      db.transaction(() => {
        migration.up(db);
        const violations = db.pragma('foreign_key_check') as unknown[];
        if (violations.length > 0) {
          throw new AegeesError('INTERNAL', `migration ${migration.version} (${migration.name}) left ${violations.length} foreign key violations`);
        }
        db.pragma(`user_version = ${migration.version}`);
      }).immediate();
    }
  } finally {
    db.pragma('foreign_keys = ON');
  }
  return { from, to: latest };
}
