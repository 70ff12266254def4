// Group commit for the SQLite backend without blocking the event loop. Transactions commit
// with synchronous=OFF, which in WAL mode only appends frames to relay.db-wal (in the OS page
// cache); a write that must be durable waits for an fdatasync of that file that started after
// its commit. The fdatasync runs on libuv's thread pool, so pushes, acks and parsing go on
// while the disk works, and one fdatasync covers every commit made before it started.
// SQLite still syncs the database file itself: checkpoints (which copy the WAL into it before
// the WAL is reused) run only through checkpoint(), under synchronous=FULL.
import { fstatSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3-multiple-ciphers';

/**
 * Commit groups between checkpoints (SQLite's default is 1000 pages; a group writes several).
 * A RESTART checkpoint leaves the file at its size and the next commits overwrite it from the
 * start, and an fdatasync of overwritten blocks needs no filesystem journal commit, which
 * appending would (and on a busy disk that commit waits for everyone else's metadata).
 */
const COMMITS_PER_CHECKPOINT = 1000;
/** A WAL file larger than this (a burst of large deposits) is truncated back at its checkpoint. */
const MAX_WAL_BYTES = 64 * 1024 * 1024;

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export class WalSync {
  private waiting: Waiter[] = [];
  private syncing: Promise<void> | undefined;
  /** Commit groups since the last checkpoint. */
  private commits = 0;

  private constructor(
    private readonly db: Database.Database,
    private readonly wal: FileHandle,
  ) {}

  /**
   * Takes over syncing for `db` (WAL mode, its -wal file already created): autocheckpoints
   * off, commits unsynced. The directory is synced once so the WAL file's entry is durable.
   */
  static async start(db: Database.Database): Promise<WalSync> {
    const walPath = `${db.name}-wal`;
    const wal = await open(walPath, 'r');
    const dir = await open(dirname(walPath), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
    db.pragma('wal_autocheckpoint = 0');
    db.pragma('synchronous = OFF');
    return new WalSync(db, wal);
  }

  /** The fdatasync running now, if any; it settles once no commit waits for one. */
  get running(): Promise<void> | undefined {
    return this.syncing;
  }

  /** Resolves once every transaction committed before this call is on disk. */
  durable(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.syncing ??= this.run();
    });
  }

  private async run(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0);
      try {
        await this.wal.datasync();
        for (const waiter of batch) waiter.resolve();
      } catch (error) {
        for (const waiter of batch) waiter.reject(error);
      }
    }
    this.syncing = undefined;
  }

  /** Counts a commit group; every COMMITS_PER_CHECKPOINT of them, or past MAX_WAL_BYTES, checkpoints. */
  committed(): void {
    this.commits += 1;
    const large = fstatSync(this.wal.fd).size > MAX_WAL_BYTES;
    if (this.commits >= COMMITS_PER_CHECKPOINT || large) this.checkpoint(large ? 'TRUNCATE' : 'RESTART');
  }

  /**
   * Copies the WAL into the database; the next commit starts the WAL over (TRUNCATE also
   * empties the file). Under synchronous=FULL SQLite syncs the WAL and then the database file
   * before the WAL is reused, so no committed frame is ever lost to its reuse.
   */
  checkpoint(mode: 'RESTART' | 'TRUNCATE'): void {
    this.commits = 0;
    this.db.pragma('synchronous = FULL');
    try {
      this.db.pragma(`wal_checkpoint(${mode})`);
    } finally {
      this.db.pragma('synchronous = OFF');
    }
  }

  /** Waits for a running sync, then closes the WAL handle. */
  async close(): Promise<void> {
    await this.syncing;
    await this.wal.close();
  }
}
