// WalSync on a real SQLite file: commits go unsynced, a durable() caller waits for an
// fdatasync that started after it, concurrent callers share fsyncs, and checkpoints run
// under synchronous=FULL with every committed row in the database.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WalSync } from '../../../src/relay/store/wal-sync.js';

const dirs: string[] = [];

afterEach(() => {
  vi.restoreAllMocks();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function walDatabase(): Database.Database {
  const dir = mkdtempSync(join(tmpdir(), 'aegees-walsync-'));
  dirs.push(dir);
  const db = new Database(join(dir, 'relay.db'));
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (x BLOB NOT NULL)');
  return db;
}

/** The prototype every FileHandle shares, so the test can count fdatasync calls. */
async function fileHandlePrototype(): Promise<FileHandle> {
  const handle = await open(tmpdir(), 'r');
  await handle.close();
  return Object.getPrototypeOf(handle) as FileHandle;
}

describe('WalSync', () => {
  it('commits unsynced with autocheckpoints off, and makes concurrent callers share fsyncs', async () => {
    const db = walDatabase();
    const wal = await WalSync.start(db);
    expect(db.pragma('synchronous', { simple: true })).toBe(0);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const datasync = vi.spyOn(await fileHandlePrototype(), 'datasync');
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    const waits: Array<Promise<void>> = [];
    for (let i = 0; i < 50; i += 1) {
      insert.run(Buffer.alloc(100, i));
      waits.push(wal.durable());
    }
    await Promise.all(waits);
    // The first caller starts an fdatasync; the 49 that came while it ran share one more.
    expect(datasync).toHaveBeenCalledTimes(2);
    // A caller after those syncs finished gets a sync of its own.
    await wal.durable();
    expect(datasync).toHaveBeenCalledTimes(3);
    await wal.close();
    db.close();
  });

  it('checkpoints under synchronous=FULL, empties the WAL and keeps every row', async () => {
    const db = walDatabase();
    const wal = await WalSync.start(db);
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    for (let i = 0; i < 200; i += 1) insert.run(Buffer.alloc(1000, i));
    await wal.durable();
    expect(statSync(`${db.name}-wal`).size).toBeGreaterThan(0);
    const pragmas: string[] = [];
    const pragma = db.pragma.bind(db);
    vi.spyOn(db, 'pragma').mockImplementation((source, options) => {
      pragmas.push(source);
      return pragma(source, options);
    });
    wal.checkpoint('TRUNCATE');
    expect(pragmas).toEqual(['synchronous = FULL', 'wal_checkpoint(TRUNCATE)', 'synchronous = OFF']);
    expect(statSync(`${db.name}-wal`).size).toBe(0);
    await wal.close();
    db.close();
    const reopened = new Database(db.name, { readonly: true });
    expect(reopened.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 200 });
    reopened.close();
  });

  it('checkpoints (RESTART, keeping the file to overwrite) every 1000 commit groups', async () => {
    const db = walDatabase();
    const wal = await WalSync.start(db);
    const insert = db.prepare('INSERT INTO t (x) VALUES (?)');
    const checkpoints: string[] = [];
    const pragma = db.pragma.bind(db);
    vi.spyOn(db, 'pragma').mockImplementation((source, options) => {
      if (source.startsWith('wal_checkpoint')) checkpoints.push(source);
      return pragma(source, options);
    });
    for (let i = 0; i < 999; i += 1) {
      insert.run(Buffer.alloc(10, i));
      wal.committed();
    }
    expect(checkpoints).toEqual([]);
    insert.run(Buffer.alloc(10));
    wal.committed();
    expect(checkpoints).toEqual(['wal_checkpoint(RESTART)']);
    // The next commit overwrites the start of the file instead of growing it.
    const size = statSync(`${db.name}-wal`).size;
    insert.run(Buffer.alloc(10));
    expect(statSync(`${db.name}-wal`).size).toBe(size);
    await wal.close();
    db.close();
  });

  it('fails the waiting callers when the fdatasync fails', async () => {
    const db = walDatabase();
    const wal = await WalSync.start(db);
    vi.spyOn(await fileHandlePrototype(), 'datasync').mockRejectedValueOnce(new Error('EIO'));
    await expect(wal.durable()).rejects.toThrow('EIO');
    await expect(wal.durable()).resolves.toBeUndefined();
    await wal.close();
    db.close();
  });
});
