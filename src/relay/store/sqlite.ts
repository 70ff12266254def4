// The embedded backend: one SQLite file (WAL) plus a blob directory, for one relay process.
// Writes queue up and commit together once per event-loop turn; the fsync that makes a
// deposit durable runs off the event loop and covers every commit before it (wal-sync.ts).
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3-multiple-ciphers';
import type { Logger } from '../log.js';
import { BlobFiles } from './blob-files.js';
import { WalSync } from './wal-sync.js';
import {
  StoreCorruptError,
  type AckOutcome,
  type BlobUpload,
  type DepositInput,
  type DepositOutcome,
  type PendingEnvelope,
  type RelayStore,
  type StoreStats,
  type StoredBlob,
  type SweepOutcome,
} from './store.js';

const SCHEMA_VERSION = 1;
const SWEEP_BATCH = 500;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS envelopes (
  seq INTEGER PRIMARY KEY,
  msg_id BLOB NOT NULL UNIQUE,
  body BLOB NOT NULL,
  body_hash BLOB NOT NULL,
  digest BLOB NOT NULL,
  size INTEGER NOT NULL,
  remaining INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS envelopes_expiry ON envelopes (expires_at);
CREATE TABLE IF NOT EXISTS deliveries (
  mailbox_id BLOB NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (mailbox_id, seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_seq ON deliveries (seq);
CREATE TABLE IF NOT EXISTS envelope_blobs (
  seq INTEGER NOT NULL,
  blob_id BLOB NOT NULL,
  PRIMARY KEY (seq, blob_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blobs (
  blob_id BLOB PRIMARY KEY,
  file TEXT NOT NULL,
  size INTEGER NOT NULL,
  refs INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS blobs_unreferenced_expiry ON blobs (expires_at) WHERE refs = 0;
CREATE TABLE IF NOT EXISTS mailboxes (
  mailbox_id BLOB PRIMARY KEY,
  pending_count INTEGER NOT NULL,
  pending_bytes INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tombstones (
  msg_id BLOB PRIMARY KEY,
  digest BLOB NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS tombstones_expiry ON tombstones (expires_at);
`;

interface EnvelopeRow { seq: number; msg_id: Buffer; digest: Buffer; size: number; remaining: number; expires_at: number }
interface PendingRow { seq: number; msg_id: Buffer; body: Buffer; body_hash: Buffer; expires_at: number }

interface QueuedWrite {
  run(): unknown;
  /** Must be on disk before the caller answers (fsync); false for acks and sweeps, which may be redone. */
  durable: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** Deleted rows whose blob files go once the transaction has committed. */
interface Freed { files: string[] }

type OpResult = { ok: true; value: unknown } | { ok: false; error: unknown };

function isCorruption(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT_INDEX';
}

export async function openSqliteStore(dir: string, log: Logger): Promise<RelayStore> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lock = acquireDirectoryLock(dir);
  try {
    const db = openDatabase(dir);
    const files = new BlobFiles(join(dir, 'blobs'));
    await files.init();
    const store = new SqliteStore(db, await WalSync.start(db), files, lock, log);
    await store.removeOrphanFiles();
    return store;
  } catch (error) {
    lock.close();
    throw error;
  }
}

/**
 * Holds an exclusive SQLite lock on DIR/relay.lock for the life of the process (the OS
 * drops it when the process dies), so a second relay on the same directory fails fast
 * instead of silently splitting pushes between two processes.
 */
function acquireDirectoryLock(dir: string): Database.Database {
  const lock = new Database(join(dir, 'relay.lock'), { timeout: 0 });
  try {
    lock.pragma('locking_mode = EXCLUSIVE');
    lock.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER); BEGIN EXCLUSIVE; DELETE FROM holder; COMMIT');
    lock.prepare('INSERT INTO holder (pid) VALUES (?)').run(process.pid);
  } catch (cause) {
    lock.close();
    throw new Error(`another relay process is using ${dir}`, { cause });
  }
  return lock;
}

/**
 * Opens relay.db and refuses a damaged one. The marker file store.id names the database
 * that belongs to this directory, so a truncated-to-nothing, missing or swapped file is
 * recognised instead of being taken for a fresh, empty relay.
 */
function openDatabase(dir: string): Database.Database {
  const dbPath = join(dir, 'relay.db');
  const markerPath = join(dir, 'store.id');
  const marker = existsSync(markerPath) ? readFileSync(markerPath, 'utf8').trim() : undefined;
  if (marker !== undefined && (!existsSync(dbPath) || statSync(dbPath).size === 0)) {
    throw new StoreCorruptError(`${dbPath} is missing or empty, but this directory held relay data (store.id ${marker})`);
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(dbPath, { fileMustExist: marker !== undefined });
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new StoreCorruptError(`${dbPath} failed its integrity check: ${String(check)}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    const version = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'schema_version'").get();
    if (version && Number(version.value) > SCHEMA_VERSION) {
      throw new StoreCorruptError(`${dbPath} has schema version ${version.value}; this relay knows ${SCHEMA_VERSION}`);
    }
    const storeId = db.prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'store_id'").get()?.value;
    if (marker !== undefined && storeId !== marker) {
      throw new StoreCorruptError(`${dbPath} is not the database of this directory (store.id ${marker}, database ${storeId ?? 'none'})`);
    }
    if (storeId === undefined) {
      const id = randomBytes(16).toString('hex');
      db.prepare("INSERT INTO meta (key, value) VALUES ('store_id', ?), ('schema_version', ?)").run(id, String(SCHEMA_VERSION));
      writeFileSync(markerPath, `${id}\n`, { mode: 0o600 });
    } else if (marker === undefined) {
      writeFileSync(markerPath, `${storeId}\n`, { mode: 0o600 });
    }
    return db;
  } catch (error) {
    db?.close();
    if (error instanceof StoreCorruptError) throw error;
    if (isCorruption(error)) throw new StoreCorruptError(`${dbPath} is corrupt: ${(error as Error).message}`, { cause: error });
    throw error;
  }
}

class SqliteStore implements RelayStore {
  readonly backend = 'sqlite';
  private readonly queue: QueuedWrite[] = [];
  private flushScheduled = false;
  private closed = false;

  private readonly q;

  constructor(
    private readonly db: Database.Database,
    private readonly wal: WalSync,
    private readonly files: BlobFiles,
    private readonly lock: Database.Database,
    private readonly log: Logger,
  ) {
    this.q = {
      envelopeByMsg: db.prepare<[Buffer], EnvelopeRow>(
        'SELECT seq, msg_id, digest, size, remaining, expires_at FROM envelopes WHERE msg_id = ?',
      ),
      tombstone: db.prepare<[Buffer], { digest: Buffer; expires_at: number }>(
        'SELECT digest, expires_at FROM tombstones WHERE msg_id = ?',
      ),
      blobSize: db.prepare<[Buffer], { size: number }>('SELECT size FROM blobs WHERE blob_id = ?'),
      blobRow: db.prepare<[Buffer], { size: number; file: string }>('SELECT size, file FROM blobs WHERE blob_id = ?'),
      blobRefs: db.prepare<[Buffer], { refs: number }>('SELECT refs FROM blobs WHERE blob_id = ?'),
      mailbox: db.prepare<[Buffer], { pending_count: number; pending_bytes: number }>(
        'SELECT pending_count, pending_bytes FROM mailboxes WHERE mailbox_id = ?',
      ),
      insertEnvelope: db.prepare(
        `INSERT INTO envelopes (msg_id, body, body_hash, digest, size, remaining, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertDelivery: db.prepare('INSERT INTO deliveries (mailbox_id, seq) VALUES (?, ?)'),
      reserveMailbox: db.prepare(
        `INSERT INTO mailboxes (mailbox_id, pending_count, pending_bytes) VALUES (?, 1, ?)
         ON CONFLICT (mailbox_id) DO UPDATE SET pending_count = pending_count + 1, pending_bytes = pending_bytes + excluded.pending_bytes`,
      ),
      releaseMailbox: db.prepare(
        'UPDATE mailboxes SET pending_count = pending_count - 1, pending_bytes = pending_bytes - ? WHERE mailbox_id = ?',
      ),
      dropEmptyMailbox: db.prepare('DELETE FROM mailboxes WHERE mailbox_id = ? AND pending_count <= 0'),
      insertEnvelopeBlob: db.prepare('INSERT INTO envelope_blobs (seq, blob_id) VALUES (?, ?)'),
      referenceBlob: db.prepare('UPDATE blobs SET refs = refs + 1 WHERE blob_id = ?'),
      pending: db.prepare<[Buffer, string, number], PendingRow>(
        `SELECT e.seq, e.msg_id, e.body, e.body_hash, e.expires_at
         FROM deliveries d JOIN envelopes e ON e.seq = d.seq
         WHERE d.mailbox_id = ? AND d.seq NOT IN (SELECT value FROM json_each(?))
         ORDER BY d.seq LIMIT ?`,
      ),
      deleteDelivery: db.prepare('DELETE FROM deliveries WHERE mailbox_id = ? AND seq = ?'),
      decrementRemaining: db.prepare('UPDATE envelopes SET remaining = remaining - 1 WHERE seq = ?'),
      envelopeBlobs: db.prepare<[number], { blob_id: Buffer }>('SELECT blob_id FROM envelope_blobs WHERE seq = ?'),
      deleteEnvelopeBlobs: db.prepare('DELETE FROM envelope_blobs WHERE seq = ?'),
      unreferenceBlob: db.prepare<[Buffer], { refs: number; file: string }>(
        'UPDATE blobs SET refs = refs - 1 WHERE blob_id = ? RETURNING refs, file',
      ),
      deleteBlob: db.prepare('DELETE FROM blobs WHERE blob_id = ?'),
      deleteEnvelope: db.prepare('DELETE FROM envelopes WHERE seq = ?'),
      insertTombstone: db.prepare('INSERT OR REPLACE INTO tombstones (msg_id, digest, expires_at) VALUES (?, ?, ?)'),
      expiredEnvelopes: db.prepare<[number, number], EnvelopeRow>(
        'SELECT seq, msg_id, digest, size, remaining, expires_at FROM envelopes WHERE expires_at <= ? LIMIT ?',
      ),
      deliveriesOf: db.prepare<[number], { mailbox_id: Buffer }>('SELECT mailbox_id FROM deliveries WHERE seq = ?'),
      deleteDeliveriesOf: db.prepare('DELETE FROM deliveries WHERE seq = ?'),
      expiredBlobs: db.prepare<[number, number], { blob_id: Buffer; file: string }>(
        'SELECT blob_id, file FROM blobs WHERE refs = 0 AND expires_at <= ? LIMIT ?',
      ),
      deleteTombstones: db.prepare('DELETE FROM tombstones WHERE expires_at <= ?'),
      insertBlob: db.prepare(
        'INSERT OR IGNORE INTO blobs (blob_id, file, size, refs, created_at, expires_at) VALUES (?, ?, ?, 0, ?, ?)',
      ),
      stats: db.prepare<[], { envelopes: number; envelope_bytes: number; blobs: number; blob_bytes: number }>(
        `SELECT (SELECT count(*) FROM envelopes) AS envelopes,
                (SELECT coalesce(sum(length(body)), 0) FROM envelopes) AS envelope_bytes,
                (SELECT count(*) FROM blobs) AS blobs,
                (SELECT coalesce(sum(size), 0) FROM blobs) AS blob_bytes`,
      ),
      allFiles: db.prepare<[], { file: string }>('SELECT file FROM blobs'),
    };
  }

  /**
   * Runs `run` inside the next group commit; resolves once that commit is done — and on disk
   * if `durable`. A lost ack or sweep after a power cut only means a redelivery (which
   * clients dedupe) or a later sweep, so only deposits and uploads wait for the fsync.
   */
  private write<T>(run: () => T, durable: boolean): Promise<T> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, durable, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        this.scheduleFlush();
      }
    });
  }

  /**
   * Commits at the end of this event-loop turn, or, while an fdatasync runs, once it is done:
   * a commit made during it could not be on disk before the next fdatasync anyway, and
   * waiting lets everything that arrives meanwhile share one transaction (fewer, larger
   * commits write each page once for many operations).
   */
  private scheduleFlush(): void {
    const running = this.wal.running;
    if (running) void running.finally(() => setImmediate(() => this.flush()));
    else setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue.splice(0);
    if (batch.length === 0) return;
    let results: OpResult[];
    try {
      results = this.commit(batch);
    } catch (error) {
      for (const op of batch) op.reject(error);
      return;
    }
    const settle = (op: QueuedWrite, index: number) => {
      const result = results[index]!;
      if (result.ok) op.resolve(result.value);
      else op.reject(result.error);
    };
    batch.forEach((op, index) => {
      if (!op.durable) settle(op, index);
    });
    if (batch.some((op) => op.durable)) {
      this.wal.durable().then(
        () => batch.forEach((op, index) => op.durable && settle(op, index)),
        (error: unknown) => batch.forEach((op) => op.durable && op.reject(error)),
      );
    }
    try {
      this.wal.committed();
    } catch (error) {
      // The WAL only keeps growing; the next flush tries again.
      this.log.error({ err: error }, 'checkpoint failed');
    }
  }

  /**
   * Runs a batch in one transaction. Operations rarely fail, so they first run without a
   * savepoint each (a savepoint costs more than a typical statement); if one throws, that
   * attempt is rolled back and the batch runs again with a savepoint around each operation,
   * so the failing one leaves the others intact. Operations touch nothing but the database,
   * so running one twice is safe.
   */
  private commit(batch: readonly QueuedWrite[]): OpResult[] {
    try {
      return this.db.transaction(() => batch.map((op): OpResult => ({ ok: true, value: op.run() }))).immediate();
    } catch {
      return this.db.transaction(() => batch.map((op): OpResult => {
        try {
          // A nested transaction is a savepoint.
          return { ok: true, value: this.db.transaction(op.run)() };
        } catch (error) {
          return { ok: false, error };
        }
      })).immediate();
    }
  }

  async deposit(input: DepositInput): Promise<DepositOutcome> {
    return this.write(() => this.depositNow(input), true);
  }

  private depositNow(input: DepositInput): DepositOutcome {
    const existing = this.q.envelopeByMsg.get(input.msgId) ?? this.q.tombstone.get(input.msgId);
    if (existing) {
      return existing.digest.equals(input.digest) ? { kind: 'duplicate', expiresAt: existing.expires_at } : { kind: 'conflict' };
    }
    let size = input.envelope.length;
    const unknown: Buffer[] = [];
    for (const blobId of input.blobIds) {
      const blob = this.q.blobSize.get(blobId);
      if (blob) size += blob.size;
      else unknown.push(blobId);
    }
    if (unknown.length > 0) return { kind: 'unknown-blobs', blobIds: unknown };
    const full = input.mailboxIds.filter((mailboxId) => {
      const row = this.q.mailbox.get(mailboxId);
      return (row?.pending_count ?? 0) + 1 > input.quota.envelopes || (row?.pending_bytes ?? 0) + size > input.quota.bytes;
    });
    if (full.length > 0) return { kind: 'mailbox-full', mailboxIds: full };
    const seq = Number(
      this.q.insertEnvelope.run(
        input.msgId, input.envelope, input.bodyHash, input.digest, size, input.mailboxIds.length, input.now, input.expiresAt,
      ).lastInsertRowid,
    );
    for (const mailboxId of input.mailboxIds) {
      this.q.insertDelivery.run(mailboxId, seq);
      this.q.reserveMailbox.run(mailboxId, size);
    }
    for (const blobId of input.blobIds) {
      this.q.insertEnvelopeBlob.run(seq, blobId);
      this.q.referenceBlob.run(blobId);
    }
    return { kind: 'stored', expiresAt: input.expiresAt, seq };
  }

  async pending(mailboxId: Buffer, exclude: readonly number[], limit: number): Promise<PendingEnvelope[]> {
    return this.q.pending.all(mailboxId, JSON.stringify(exclude), limit).map((row) => ({
      seq: row.seq,
      msgId: row.msg_id,
      envelope: row.body,
      bodyHash: row.body_hash,
      expiresAt: row.expires_at,
    }));
  }

  async ack(mailboxId: Buffer, msgIds: readonly Buffer[]): Promise<AckOutcome> {
    const outcome = await this.write(() => {
      const freed: Freed = { files: [] };
      let delivered = 0;
      let deletedEnvelopes = 0;
      for (const msgId of msgIds) {
        const row = this.q.envelopeByMsg.get(msgId);
        if (!row || this.q.deleteDelivery.run(mailboxId, row.seq).changes === 0) continue;
        delivered += 1;
        this.releaseMailbox(mailboxId, row.size);
        if (row.remaining <= 1) {
          this.deleteEnvelope(row, freed);
          this.q.insertTombstone.run(row.msg_id, row.digest, row.expires_at);
          deletedEnvelopes += 1;
        } else {
          this.q.decrementRemaining.run(row.seq);
        }
      }
      return { delivered, deletedEnvelopes, freed };
    }, false);
    await this.removeFiles(outcome.freed);
    return { delivered: outcome.delivered, deletedEnvelopes: outcome.deletedEnvelopes, deletedBlobs: outcome.freed.files.length };
  }

  private releaseMailbox(mailboxId: Buffer, size: number): void {
    this.q.releaseMailbox.run(size, mailboxId);
    this.q.dropEmptyMailbox.run(mailboxId);
  }

  /** Deletes the envelope row and every blob it was the last reference to. */
  private deleteEnvelope(row: EnvelopeRow, freed: Freed): void {
    for (const { blob_id: blobId } of this.q.envelopeBlobs.all(row.seq)) {
      const blob = this.q.unreferenceBlob.get(blobId);
      if (blob && blob.refs <= 0) {
        this.q.deleteBlob.run(blobId);
        freed.files.push(blob.file);
      }
    }
    this.q.deleteEnvelopeBlobs.run(row.seq);
    this.q.deleteEnvelope.run(row.seq);
  }

  private async removeFiles(freed: Freed): Promise<void> {
    await Promise.all(freed.files.map((file) => this.files.remove(file).catch((error: unknown) => {
      this.log.error({ err: error, file }, 'could not delete a blob file; it is removed at the next start');
    })));
  }

  async sweep(now: number): Promise<SweepOutcome> {
    let expiredEnvelopes = 0;
    let expiredBlobs = 0;
    for (;;) {
      const batch = await this.write(() => {
        const freed: Freed = { files: [] };
        const envelopes = this.q.expiredEnvelopes.all(now, SWEEP_BATCH);
        for (const row of envelopes) {
          for (const { mailbox_id: mailboxId } of this.q.deliveriesOf.all(row.seq)) this.releaseMailbox(mailboxId, row.size);
          this.q.deleteDeliveriesOf.run(row.seq);
          this.deleteEnvelope(row, freed);
        }
        const blobs = this.q.expiredBlobs.all(now, SWEEP_BATCH);
        for (const blob of blobs) {
          this.q.deleteBlob.run(blob.blob_id);
          freed.files.push(blob.file);
        }
        this.q.deleteTombstones.run(now);
        return { envelopes: envelopes.length, freed, more: envelopes.length === SWEEP_BATCH || blobs.length === SWEEP_BATCH };
      }, false);
      await this.removeFiles(batch.freed);
      expiredEnvelopes += batch.envelopes;
      expiredBlobs += batch.freed.files.length;
      if (!batch.more) return { expiredEnvelopes, expiredBlobs };
    }
  }

  async stats(): Promise<StoreStats> {
    const row = this.q.stats.get()!;
    return { envelopes: row.envelopes, envelopeBytes: row.envelope_bytes, blobs: row.blobs, blobBytes: row.blob_bytes };
  }

  async blobSize(blobId: Buffer): Promise<number | undefined> {
    return this.q.blobSize.get(blobId)?.size;
  }

  async unreferencedBlobs(blobIds: readonly Buffer[]): Promise<Buffer[]> {
    return blobIds.filter((blobId) => this.q.blobRefs.get(blobId)?.refs === 0);
  }

  async putBlob(upload: BlobUpload): Promise<'stored' | 'exists'> {
    const file = await this.files.write(upload.data);
    const inserted = await this.write(
      () => this.q.insertBlob.run(upload.blobId, file, upload.size, upload.now, upload.expiresAt).changes === 1,
      true,
    );
    if (inserted) return 'stored';
    await this.files.remove(file);
    return 'exists';
  }

  async openBlob(blobId: Buffer): Promise<StoredBlob | undefined> {
    const row = this.q.blobRow.get(blobId);
    if (!row) return undefined;
    return { size: row.size, read: () => this.files.read(row.file) };
  }

  onRemoteDeposit(): void {
    // One process owns a SQLite directory, so every deposit is local.
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('store is closed');
  }

  /** Deletes files no row points to (left by a crash between writing a file and committing its row). */
  async removeOrphanFiles(): Promise<void> {
    const known = new Set(this.q.allFiles.all().map((row) => row.file));
    const onDisk = new Set(await this.files.list());
    const orphans = [...onDisk].filter((file) => !known.has(file));
    await Promise.all(orphans.map((file) => this.files.remove(file)));
    if (orphans.length > 0) this.log.info({ count: orphans.length }, 'removed blob files left by an interrupted upload');
    const missing = [...known].filter((file) => !onDisk.has(file)).length;
    if (missing > 0) this.log.error({ count: missing }, 'blob files are missing; those blobs will not be served');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.flush();
    this.closed = true;
    await this.wal.close();
    this.wal.checkpoint('TRUNCATE');
    this.db.close();
    this.lock.close();
  }
}
