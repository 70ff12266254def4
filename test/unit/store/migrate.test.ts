// The migration runner's guarantees, with made-up migrations on a real database file.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAegeesError } from '../../../src/common/errors.js';
import { randomBytes } from '../../../src/core/crypto/sodium.js';
import { openEncryptedDatabase, type Db } from '../../../src/core/store/database.js';
import { migrate, schemaVersion, type Migration } from '../../../src/core/store/migrate.js';

let dir: string;
let db: Db;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aegees-migrate-'));
  db = openEncryptedDatabase(join(dir, 'm.db'), randomBytes(32), { mustExist: false });
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const step = (version: number, sql: string): Migration => ({ version, name: `step ${version}`, up: (d) => d.exec(sql) });
const parents = step(1, 'CREATE TABLE parent (id INTEGER PRIMARY KEY); INSERT INTO parent VALUES (1);');
const children = step(2, 'CREATE TABLE child (parent INTEGER REFERENCES parent (id)); INSERT INTO child VALUES (1);');
const tables = (): string[] => db.prepare<[], string>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name").pluck().all();

describe('migration runner', () => {
  it('applies pending migrations in order and records the version', () => {
    expect(migrate(db, [parents])).toEqual({ from: 0, to: 1 });
    expect(migrate(db, [parents, children])).toEqual({ from: 1, to: 2 });
    expect(migrate(db, [parents, children])).toEqual({ from: 2, to: 2 });
    expect(schemaVersion(db)).toBe(2);
    expect(tables()).toEqual(['child', 'parent']);
  });

  it('rolls a failing migration back completely, keeping the earlier ones', () => {
    const broken = step(2, 'CREATE TABLE half (x); INSERT INTO nowhere VALUES (1);');
    expect(() => migrate(db, [parents, broken])).toThrow(/nowhere/);
    expect(schemaVersion(db)).toBe(1);
    expect(tables()).toEqual(['parent']);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('refuses a migration that leaves dangling foreign keys', () => {
    const dangling = step(2, 'CREATE TABLE child (parent INTEGER REFERENCES parent (id)); INSERT INTO child VALUES (7);');
    expect(() => migrate(db, [parents, dangling])).toThrow(/foreign key violations/);
    expect(schemaVersion(db)).toBe(1);
    expect(tables()).toEqual(['parent']);
  });

  it('lets a migration rebuild a referenced table, as SQLite documents it', () => {
    const rebuild = step(3, `
      CREATE TABLE parent_new (id INTEGER PRIMARY KEY, label TEXT NOT NULL DEFAULT '');
      INSERT INTO parent_new (id) SELECT id FROM parent;
      DROP TABLE parent;
      ALTER TABLE parent_new RENAME TO parent;`);
    migrate(db, [parents, children, rebuild]);
    expect(db.prepare('SELECT parent FROM child').pluck().all()).toEqual([1]);
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  it('refuses a database from a newer version of the app, changing nothing', () => {
    migrate(db, [parents, children]);
    let error: unknown;
    try {
      migrate(db, [parents]);
    } catch (caught) {
      error = caught;
    }
    expect(isAegeesError(error, 'UNSUPPORTED_VERSION')).toBe(true);
    expect((error as Error).message).toMatch(/schema version 2.*update Aegees/);
    expect(schemaVersion(db)).toBe(2);
  });

  it('rejects a migration list with gaps', () => {
    expect(() => migrate(db, [parents, step(3, 'SELECT 1')])).toThrow(/expected 2/);
    expect(schemaVersion(db)).toBe(0);
  });
});
