// Every migration path the app can meet in the field: from each earlier schema version, on
// a database populated by that version, to the latest; on real encrypted profiles whose
// key is in the real Secret Service.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSecretStore } from '../../../src/core/keychain/open.js';
import type { SecretStore } from '../../../src/core/keychain/secret-store.js';
import { migrate, schemaVersion } from '../../../src/core/store/migrate.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../src/core/store/migrations/index.js';
import { openProfileDatabase, openStore } from '../../../src/core/store/open.js';
import type { Db } from '../../../src/core/store/database.js';
import { codeOf } from '../keychain/helpers.js';
import { SCHEMA_FIXTURES, type SchemaFixture } from './fixtures/schema-versions.js';
import { forgetProfiles, requireSecretService, snapshot } from './profile.js';

let root: string;
const profiles: string[] = [];

beforeAll(async () => {
  requireSecretService();
  root = await mkdtemp(join(tmpdir(), 'aegees-migrations-'));
});

afterAll(async () => {
  await forgetProfiles(profiles);
  await rm(root, { recursive: true, force: true });
});

/** A profile whose database is at `fixture.version`, holding that version's sample data. */
async function profileAt(fixture: SchemaFixture): Promise<{ dir: string; secrets: SecretStore }> {
  const dir = join(root, `v${fixture.version}-${profiles.length}`);
  profiles.push(dir);
  const secrets = await openSecretStore(dir);
  const db = await openProfileDatabase(dir, secrets);
  try {
    migrate(db, MIGRATIONS.slice(0, fixture.version));
    expect(schemaVersion(db)).toBe(fixture.version);
    fixture.populate(db);
  } finally {
    db.close();
  }
  return { dir, secrets };
}

/** Tables, indexes and triggers as SQLite stores their definitions. */
function schemaOf(db: Db): Array<{ type: string; name: string; sql: string | null }> {
  return db.prepare<[], { type: string; name: string; sql: string | null }>('SELECT type, name, sql FROM sqlite_schema ORDER BY type, name').all();
}

function checkConsistency(db: Db): void {
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(db.pragma('foreign_key_check')).toEqual([]);
  expect(() => db.prepare("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')").run()).not.toThrow();
}

describe('schema migrations', () => {
  it('have a sample-data fixture for every schema version up to the latest', () => {
    expect(SCHEMA_FIXTURES.map((f) => f.version)).toEqual([...Array(LATEST_SCHEMA_VERSION + 1).keys()]);
  });

  let freshSchema: ReturnType<typeof schemaOf>;
  beforeAll(async () => {
    const fresh = await profileAt(SCHEMA_FIXTURES[0]!);
    const db = await openProfileDatabase(fresh.dir, fresh.secrets);
    try {
      migrate(db, MIGRATIONS);
      freshSchema = schemaOf(db);
    } finally {
      db.close();
    }
  });

  describe.each(SCHEMA_FIXTURES.map((fixture) => [fixture.version, fixture] as const))('from schema version %i', (_version, fixture) => {
    it(`reaches version ${LATEST_SCHEMA_VERSION} with the data intact and consistent`, async () => {
      const { dir, secrets } = await profileAt(fixture);
      const store = await openStore(dir, secrets);
      try {
        expect(store.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
        fixture.verify(store);
      } finally {
        store.close();
      }
      const db = await openProfileDatabase(dir, secrets);
      try {
        checkConsistency(db);
        // Every path ends at the same schema as a new profile's (indexes included).
        expect(schemaOf(db)).toEqual(freshSchema);
      } finally {
        db.close();
      }
      // Opening again migrates nothing and keeps everything.
      const again = await openStore(dir, secrets);
      fixture.verify(again);
      again.close();
    });
  });

  it('refuses a database written by a newer version of the app and changes no file', async () => {
    const { dir, secrets } = await profileAt(SCHEMA_FIXTURES.at(-1)!);
    const db = await openProfileDatabase(dir, secrets);
    migrate(db, MIGRATIONS);
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    const before = await snapshot(dir);
    expect(await codeOf(openStore(dir, secrets))).toBe('UNSUPPORTED_VERSION');
    expect(await snapshot(dir)).toEqual(before);
  });
});
