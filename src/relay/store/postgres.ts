// The scale-out backend: any number of relay processes on one PostgreSQL database. Blob
// bytes live in the database too (256 KiB rows), so every process can serve every blob.
// Deposits NOTIFY the other processes, which push to the mailboxes connected to them.
//
// Lock order, everywhere: envelopes → deliveries → mailboxes → blobs. A deadlock or
// serialization failure that slips through anyway is retried.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../log.js';
import {
  StoreCorruptError,
  type AckOutcome,
  type BlobUpload,
  type DepositInput,
  type DepositListener,
  type DepositOutcome,
  type PendingEnvelope,
  type RelayStore,
  type StoreStats,
  type StoredBlob,
  type SweepOutcome,
} from './store.js';

const SCHEMA_VERSION = 1;
const CHANNEL = 'aegees_relay_deposit';
/** NOTIFY payloads are limited to 8000 bytes; bigger recipient lists say "look everywhere". */
const MAX_NOTIFY_BYTES = 7900;
const CHUNK_BYTES = 256 * 1024;
const SWEEP_BATCH = 500;
const RETRYABLE = new Set(['40P01', '40001']);
const INT8_OID = 20;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS relay_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS envelopes (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  msg_id bytea NOT NULL UNIQUE,
  body bytea NOT NULL,
  body_hash bytea NOT NULL,
  digest bytea NOT NULL,
  size bigint NOT NULL,
  remaining integer NOT NULL,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS envelopes_expiry ON envelopes (expires_at);
CREATE TABLE IF NOT EXISTS deliveries (
  mailbox_id bytea NOT NULL,
  seq bigint NOT NULL,
  PRIMARY KEY (mailbox_id, seq)
);
CREATE INDEX IF NOT EXISTS deliveries_seq ON deliveries (seq);
CREATE TABLE IF NOT EXISTS envelope_blobs (
  seq bigint NOT NULL,
  blob_id bytea NOT NULL,
  PRIMARY KEY (seq, blob_id)
);
CREATE TABLE IF NOT EXISTS blobs (
  blob_id bytea PRIMARY KEY,
  upload_id bytea NOT NULL,
  size bigint NOT NULL,
  refs integer NOT NULL DEFAULT 0,
  created_at bigint NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS blobs_unreferenced_expiry ON blobs (expires_at) WHERE refs = 0;
CREATE TABLE IF NOT EXISTS blob_uploads (upload_id bytea PRIMARY KEY, started_at bigint NOT NULL);
CREATE TABLE IF NOT EXISTS blob_chunks (
  upload_id bytea NOT NULL,
  part integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (upload_id, part)
);
CREATE TABLE IF NOT EXISTS mailboxes (
  mailbox_id bytea PRIMARY KEY,
  pending_count integer NOT NULL,
  pending_bytes bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS tombstones (
  msg_id bytea PRIMARY KEY,
  digest bytea NOT NULL,
  expires_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS tombstones_expiry ON tombstones (expires_at);
`;

interface EnvelopeRow { seq: number; msg_id: Buffer; digest: Buffer; size: number; remaining: number; expires_at: number }

export interface PostgresStoreOptions {
  readonly url: string;
  readonly poolSize: number;
  /** Unfinished uploads older than this are abandoned and their chunks deleted. */
  readonly uploadTimeoutMs: number;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

export async function openPostgresStore(options: PostgresStoreOptions, log: Logger): Promise<RelayStore> {
  const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize, types });
  pool.on('error', (error) => log.error({ err: error }, 'idle PostgreSQL connection failed'));
  try {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Processes starting together must not race on CREATE TABLE.
      await client.query('SELECT pg_advisory_xact_lock(7164012519)');
      await client.query(SCHEMA);
      const { rows } = await client.query<{ value: string }>("SELECT value FROM relay_meta WHERE key = 'schema_version'");
      const version = rows[0] ? Number(rows[0].value) : undefined;
      if (version !== undefined && version > SCHEMA_VERSION) {
        throw new StoreCorruptError(`database has relay schema version ${version}; this relay knows ${SCHEMA_VERSION}`);
      }
      if (version === undefined) {
        await client.query("INSERT INTO relay_meta (key, value) VALUES ('schema_version', $1)", [String(SCHEMA_VERSION)]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  const store = new PostgresStore(pool, options, log);
  await store.listen();
  return store;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

class PostgresStore implements RelayStore {
  readonly backend = 'postgres';
  private readonly instance = randomBytes(16).toString('hex');
  private listener: pg.Client | undefined;
  private readonly listeners: DepositListener[] = [];
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresStoreOptions,
    private readonly log: Logger,
  ) {}

  /** Runs `work` in a transaction, retrying deadlocks and serialization failures. */
  private async transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (!(RETRYABLE.has((error as { code?: string }).code ?? '') && attempt < 5)) throw error;
      } finally {
        client.release();
      }
    }
  }

  async deposit(input: DepositInput): Promise<DepositOutcome> {
    const previous = await this.previousDeposit(this.pool, input);
    if (previous) return previous;
    const blobSizes = new Map<string, number>();
    if (input.blobIds.length > 0) {
      const { rows } = await this.pool.query<{ blob_id: Buffer; size: number }>(
        'SELECT blob_id, size FROM blobs WHERE blob_id = ANY($1)', [input.blobIds],
      );
      for (const row of rows) blobSizes.set(row.blob_id.toString('hex'), row.size);
    }
    const unknown = input.blobIds.filter((id) => !blobSizes.has(id.toString('hex')));
    if (unknown.length > 0) return { kind: 'unknown-blobs', blobIds: unknown };
    const size = input.envelope.length + [...blobSizes.values()].reduce((sum, n) => sum + n, 0);

    const rollback = Symbol('rollback');
    let refused: DepositOutcome | undefined;
    try {
      return await this.transaction(async (client) => {
        const inserted = await client.query<{ seq: number }>(
          `INSERT INTO envelopes (msg_id, body, body_hash, digest, size, remaining, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (msg_id) DO NOTHING RETURNING seq`,
          [input.msgId, input.envelope, input.bodyHash, input.digest, size, input.mailboxIds.length, input.now, input.expiresAt],
        );
        const seq = inserted.rows[0]?.seq;
        if (seq === undefined) {
          // A concurrent deposit of the same id committed first.
          refused = await this.previousDeposit(client, input);
          throw rollback;
        }
        await client.query('INSERT INTO deliveries (mailbox_id, seq) SELECT unnest($1::bytea[]), $2', [input.mailboxIds, seq]);
        const { rows: counters } = await client.query<{ mailbox_id: Buffer; pending_count: number; pending_bytes: number }>(
          `INSERT INTO mailboxes (mailbox_id, pending_count, pending_bytes) SELECT unnest($1::bytea[]), 1, $2
           ON CONFLICT (mailbox_id) DO UPDATE SET pending_count = mailboxes.pending_count + 1,
             pending_bytes = mailboxes.pending_bytes + EXCLUDED.pending_bytes
           RETURNING mailbox_id, pending_count, pending_bytes`,
          [input.mailboxIds, size],
        );
        const full = counters
          .filter((row) => row.pending_count > input.quota.envelopes || row.pending_bytes > input.quota.bytes)
          .map((row) => row.mailbox_id);
        if (full.length > 0) {
          refused = { kind: 'mailbox-full', mailboxIds: full };
          throw rollback;
        }
        if (input.blobIds.length > 0) {
          await client.query('INSERT INTO envelope_blobs (seq, blob_id) SELECT $1, unnest($2::bytea[])', [seq, input.blobIds]);
          const referenced = await client.query(
            'UPDATE blobs SET refs = refs + 1 WHERE blob_id = ANY($1) RETURNING blob_id', [input.blobIds],
          );
          if (referenced.rowCount !== input.blobIds.length) {
            // A blob expired between the size lookup and this transaction.
            const still = new Set(referenced.rows.map((row: { blob_id: Buffer }) => row.blob_id.toString('hex')));
            refused = { kind: 'unknown-blobs', blobIds: input.blobIds.filter((id) => !still.has(id.toString('hex'))) };
            throw rollback;
          }
        }
        await client.query('SELECT pg_notify($1, $2)', [CHANNEL, this.notifyPayload(input.mailboxIds)]);
        return { kind: 'stored', expiresAt: input.expiresAt, seq } as const;
      });
    } catch (error) {
      if (error === rollback && refused) return refused;
      throw error;
    }
  }

  private async previousDeposit(client: Queryable, input: DepositInput): Promise<DepositOutcome | undefined> {
    const { rows } = await client.query<{ digest: Buffer; expires_at: number }>(
      `SELECT digest, expires_at FROM envelopes WHERE msg_id = $1
       UNION ALL SELECT digest, expires_at FROM tombstones WHERE msg_id = $1 LIMIT 1`,
      [input.msgId],
    );
    const row = rows[0];
    if (!row) return undefined;
    return row.digest.equals(input.digest) ? { kind: 'duplicate', expiresAt: row.expires_at } : { kind: 'conflict' };
  }

  private notifyPayload(mailboxIds: readonly Buffer[]): string {
    const payload = `${this.instance} ${mailboxIds.map((id) => id.toString('hex')).join(',')}`;
    return payload.length <= MAX_NOTIFY_BYTES ? payload : `${this.instance} *`;
  }

  async pending(mailboxId: Buffer, exclude: readonly number[], limit: number): Promise<PendingEnvelope[]> {
    const { rows } = await this.pool.query<{ seq: number; msg_id: Buffer; body: Buffer; body_hash: Buffer; expires_at: number }>(
      `SELECT e.seq, e.msg_id, e.body, e.body_hash, e.expires_at
       FROM deliveries d JOIN envelopes e ON e.seq = d.seq
       WHERE d.mailbox_id = $1 AND NOT (d.seq = ANY($2::int8[]))
       ORDER BY d.seq LIMIT $3`,
      [mailboxId, exclude, limit],
    );
    return rows.map((row) => ({
      seq: row.seq, msgId: row.msg_id, envelope: row.body, bodyHash: row.body_hash, expiresAt: row.expires_at,
    }));
  }

  async ack(mailboxId: Buffer, msgIds: readonly Buffer[]): Promise<AckOutcome> {
    return this.transaction(async (client) => {
      const { rows: envelopes } = await client.query<EnvelopeRow>(
        `SELECT seq, msg_id, digest, size, remaining, expires_at FROM envelopes
         WHERE msg_id = ANY($1) ORDER BY seq FOR UPDATE`,
        [msgIds],
      );
      if (envelopes.length === 0) return { delivered: 0, deletedEnvelopes: 0, deletedBlobs: 0 };
      const { rows: removed } = await client.query<{ seq: number }>(
        'DELETE FROM deliveries WHERE mailbox_id = $1 AND seq = ANY($2::int8[]) RETURNING seq',
        [mailboxId, envelopes.map((row) => row.seq)],
      );
      const removedSeqs = new Set(removed.map((row) => row.seq));
      const acked = envelopes.filter((row) => removedSeqs.has(row.seq));
      if (acked.length === 0) return { delivered: 0, deletedEnvelopes: 0, deletedBlobs: 0 };
      await this.releaseMailbox(client, mailboxId, acked.length, acked.reduce((sum, row) => sum + row.size, 0));
      const finished = acked.filter((row) => row.remaining <= 1);
      const unfinished = acked.filter((row) => row.remaining > 1).map((row) => row.seq);
      if (unfinished.length > 0) {
        await client.query('UPDATE envelopes SET remaining = remaining - 1 WHERE seq = ANY($1::int8[])', [unfinished]);
      }
      const deletedBlobs = await this.deleteEnvelopes(client, finished.map((row) => row.seq));
      if (finished.length > 0) {
        await client.query(
          `INSERT INTO tombstones (msg_id, digest, expires_at)
           SELECT unnest($1::bytea[]), unnest($2::bytea[]), unnest($3::int8[]) ON CONFLICT DO NOTHING`,
          [finished.map((row) => row.msg_id), finished.map((row) => row.digest), finished.map((row) => row.expires_at)],
        );
      }
      return { delivered: acked.length, deletedEnvelopes: finished.length, deletedBlobs };
    });
  }

  private async releaseMailbox(client: Queryable, mailboxId: Buffer, count: number, bytes: number): Promise<void> {
    await client.query(
      'UPDATE mailboxes SET pending_count = pending_count - $2, pending_bytes = pending_bytes - $3 WHERE mailbox_id = $1',
      [mailboxId, count, bytes],
    );
    await client.query('DELETE FROM mailboxes WHERE mailbox_id = $1 AND pending_count <= 0', [mailboxId]);
  }

  /** Deletes envelope rows (their deliveries are gone) and the blobs they held last; returns blobs deleted. */
  private async deleteEnvelopes(client: Queryable, seqs: readonly number[]): Promise<number> {
    if (seqs.length === 0) return 0;
    const { rows: links } = await client.query<{ blob_id: Buffer }>(
      'DELETE FROM envelope_blobs WHERE seq = ANY($1::int8[]) RETURNING blob_id', [seqs],
    );
    await client.query('DELETE FROM envelopes WHERE seq = ANY($1::int8[])', [seqs]);
    if (links.length === 0) return 0;
    const counts = new Map<string, number>();
    for (const { blob_id: blobId } of links) counts.set(blobId.toString('hex'), (counts.get(blobId.toString('hex')) ?? 0) + 1);
    const ids = [...counts.keys()].sort();
    const { rows: decremented } = await client.query<{ blob_id: Buffer; refs: number }>(
      `UPDATE blobs SET refs = blobs.refs - c.n
       FROM (SELECT decode(unnest($1::text[]), 'hex') AS id, unnest($2::int[]) AS n) c
       WHERE blobs.blob_id = c.id RETURNING blobs.blob_id, blobs.refs`,
      [ids, ids.map((id) => counts.get(id)!)],
    );
    const unreferenced = decremented.filter((row) => row.refs <= 0).map((row) => row.blob_id);
    if (unreferenced.length === 0) return 0;
    const { rows: freed } = await client.query<{ upload_id: Buffer }>(
      'DELETE FROM blobs WHERE blob_id = ANY($1) AND refs <= 0 RETURNING upload_id', [unreferenced],
    );
    await this.deleteChunks(client, freed.map((row) => row.upload_id));
    return freed.length;
  }

  private async deleteChunks(client: Queryable, uploadIds: readonly Buffer[]): Promise<void> {
    if (uploadIds.length > 0) await client.query('DELETE FROM blob_chunks WHERE upload_id = ANY($1)', [uploadIds]);
  }

  async sweep(now: number): Promise<SweepOutcome> {
    let expiredEnvelopes = 0;
    let expiredBlobs = 0;
    for (;;) {
      const batch = await this.transaction(async (client) => {
        const { rows: envelopes } = await client.query<EnvelopeRow>(
          `SELECT seq, msg_id, digest, size, remaining, expires_at FROM envelopes
           WHERE expires_at <= $1 ORDER BY seq LIMIT $2 FOR UPDATE SKIP LOCKED`,
          [now, SWEEP_BATCH],
        );
        const sizes = new Map(envelopes.map((row) => [row.seq, row.size]));
        const { rows: deliveries } = await client.query<{ mailbox_id: Buffer; seq: number }>(
          'DELETE FROM deliveries WHERE seq = ANY($1::int8[]) RETURNING mailbox_id, seq', [[...sizes.keys()]],
        );
        const perMailbox = new Map<string, { count: number; bytes: number }>();
        for (const row of deliveries) {
          const key = row.mailbox_id.toString('hex');
          const entry = perMailbox.get(key) ?? { count: 0, bytes: 0 };
          entry.count += 1;
          entry.bytes += sizes.get(row.seq) ?? 0;
          perMailbox.set(key, entry);
        }
        for (const [key, entry] of [...perMailbox].sort(([a], [b]) => a.localeCompare(b))) {
          await this.releaseMailbox(client, Buffer.from(key, 'hex'), entry.count, entry.bytes);
        }
        const freedWithEnvelopes = await this.deleteEnvelopes(client, [...sizes.keys()]);
        const { rows: blobs } = await client.query<{ upload_id: Buffer }>(
          `DELETE FROM blobs WHERE blob_id IN (
             SELECT blob_id FROM blobs WHERE refs = 0 AND expires_at <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED
           ) RETURNING upload_id`,
          [now, SWEEP_BATCH],
        );
        await this.deleteChunks(client, blobs.map((row) => row.upload_id));
        const { rows: abandoned } = await client.query<{ upload_id: Buffer }>(
          'DELETE FROM blob_uploads WHERE started_at <= $1 RETURNING upload_id', [now - this.options.uploadTimeoutMs],
        );
        await this.deleteChunks(client, abandoned.map((row) => row.upload_id));
        await client.query('DELETE FROM tombstones WHERE expires_at <= $1', [now]);
        return {
          envelopes: envelopes.length,
          blobs: freedWithEnvelopes + blobs.length,
          more: envelopes.length === SWEEP_BATCH || blobs.length === SWEEP_BATCH,
        };
      });
      expiredEnvelopes += batch.envelopes;
      expiredBlobs += batch.blobs;
      if (!batch.more) return { expiredEnvelopes, expiredBlobs };
    }
  }

  async stats(): Promise<StoreStats> {
    const { rows } = await this.pool.query<{ envelopes: number; envelope_bytes: number; blobs: number; blob_bytes: number }>(
      `SELECT (SELECT count(*) FROM envelopes)::int8 AS envelopes,
              (SELECT coalesce(sum(length(body)), 0) FROM envelopes)::int8 AS envelope_bytes,
              (SELECT count(*) FROM blobs)::int8 AS blobs,
              (SELECT coalesce(sum(size), 0) FROM blobs)::int8 AS blob_bytes`,
    );
    const row = rows[0]!;
    return { envelopes: row.envelopes, envelopeBytes: row.envelope_bytes, blobs: row.blobs, blobBytes: row.blob_bytes };
  }

  async blobSize(blobId: Buffer): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ size: number }>('SELECT size FROM blobs WHERE blob_id = $1', [blobId]);
    return rows[0]?.size;
  }

  async unreferencedBlobs(blobIds: readonly Buffer[]): Promise<Buffer[]> {
    const { rows } = await this.pool.query<{ blob_id: Buffer }>(
      'SELECT blob_id FROM blobs WHERE refs = 0 AND blob_id = ANY($1)', [blobIds],
    );
    return rows.map((row) => row.blob_id);
  }

  async putBlob(upload: BlobUpload): Promise<'stored' | 'exists'> {
    const uploadId = randomBytes(16);
    await this.pool.query('INSERT INTO blob_uploads (upload_id, started_at) VALUES ($1, $2)', [uploadId, upload.now]);
    try {
      let part = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        await this.pool.query('INSERT INTO blob_chunks (upload_id, part, data) VALUES ($1, $2, $3)',
          [uploadId, part, Buffer.concat(pending)]);
        part += 1;
        pending = [];
        pendingBytes = 0;
      };
      for await (const chunk of upload.data) {
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= CHUNK_BYTES) await flush();
      }
      if (pendingBytes > 0) await flush();
      return await this.transaction(async (client) => {
        const inserted = await client.query(
          `INSERT INTO blobs (blob_id, upload_id, size, refs, created_at, expires_at) VALUES ($1, $2, $3, 0, $4, $5)
           ON CONFLICT (blob_id) DO NOTHING`,
          [upload.blobId, uploadId, upload.size, upload.now, upload.expiresAt],
        );
        await client.query('DELETE FROM blob_uploads WHERE upload_id = $1', [uploadId]);
        if (inserted.rowCount === 1) return 'stored' as const;
        await this.deleteChunks(client, [uploadId]);
        return 'exists' as const;
      });
    } catch (error) {
      await this.transaction(async (client) => {
        await this.deleteChunks(client, [uploadId]);
        await client.query('DELETE FROM blob_uploads WHERE upload_id = $1', [uploadId]);
      }).catch((cleanup: unknown) => this.log.warn({ err: cleanup }, 'could not clean up a failed upload; the sweeper will'));
      throw error;
    }
  }

  async openBlob(blobId: Buffer): Promise<StoredBlob | undefined> {
    const { rows } = await this.pool.query<{ size: number; upload_id: Buffer }>(
      'SELECT size, upload_id FROM blobs WHERE blob_id = $1', [blobId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const pool = this.pool;
    return {
      size: row.size,
      async *read() {
        for (let part = 0; ; part += 1) {
          const { rows: chunks } = await pool.query<{ data: Buffer }>(
            'SELECT data FROM blob_chunks WHERE upload_id = $1 AND part = $2', [row.upload_id, part],
          );
          if (!chunks[0]) return;
          yield chunks[0].data;
        }
      },
    };
  }

  onRemoteDeposit(listener: DepositListener): void {
    this.listeners.push(listener);
  }

  /** Holds a dedicated LISTEN connection; `listenerLost` reconnects it. */
  async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.url });
    client.on('notification', (message) => {
      const payload = message.payload ?? '';
      const space = payload.indexOf(' ');
      if (space < 0 || payload.slice(0, space) === this.instance) return;
      const list = payload.slice(space + 1);
      const ids = list === '*' ? [] : list.split(',').filter((id) => /^[0-9a-f]{64}$/.test(id)).map((id) => Buffer.from(id, 'hex'));
      for (const listener of this.listeners) listener(ids);
    });
    client.on('error', (error) => this.listenerLost(client, error));
    client.on('end', () => this.listenerLost(client));
    this.listener = client;
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
  }

  private listenerLost(client: pg.Client, error?: Error): void {
    if (this.closed || this.listener !== client) return;
    this.listener = undefined;
    this.log.warn({ err: error }, 'PostgreSQL notification connection lost; reconnecting');
    client.end().catch(() => undefined);
    this.reconnectTimer = setTimeout(() => {
      this.listen().then(
        // Deposits may have been missed meanwhile: every connected mailbox looks again.
        () => this.listeners.forEach((listener) => listener([])),
        (reconnectError: unknown) => {
          if (this.listener) this.listenerLost(this.listener, reconnectError as Error);
        },
      );
    }, 1000);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }
}
