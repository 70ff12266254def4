// Drains the persistent outbox: for each due deposit, make sure the relay holds the
// envelope's attachment blobs, deposit the envelope, and record the relay's durable copy.
// A failure reschedules that one deposit with backoff; the others go on. Completions are
// recorded in batches (one commit for those that finish together).
import { AegeesError, isAegeesError } from '../../common/errors.js';
import type { RelayErrorCode } from '../../common/relay-protocol.js';
import { OUTBOX_BACKOFF, retryDelayMs } from '../delivery/backoff.js';
import { RelayRequestError, type RelayClient } from '../relay-client/index.js';
import type { DueDeposit } from '../store/outbox.js';
import type { Store } from '../store/store.js';
import { uploadAttachment } from './attachment-files.js';
import type { RelayPool } from './relay-pool.js';

export interface OutboxWorkerOptions {
  readonly store: Store;
  readonly pool: RelayPool;
  readonly profileDir: string;
  readonly relayKey: (url: string) => Uint8Array | undefined;
  readonly now: () => number;
  readonly random: () => number;
  /** Called after a relay took a durable copy of a chat message. */
  readonly onStored: (messageSeq: number, relayUrl: string) => void;
  readonly onError: (deposit: DueDeposit, error: unknown) => void;
  /**
   * Upload progress of one attachment blob of a chat message: `done` is the furthest any
   * relay's upload of it has got (the first relay to hold it all lets the message be
   * stored), out of the encrypted size; never decreases while an upload of it is in
   * flight. After the last upload of it ends unfinished: `done` 0 and `total` 0.
   */
  readonly onUploadProgress?: (messageSeq: number, blobId: Uint8Array, done: number, total: number) => void;
}

/** The uploads of one blob of one message in flight now (one per relay). */
interface BlobUploads {
  active: number;
  furthest: number;
  finished: boolean;
}

const BATCH = 64;

export class OutboxWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  /** Deposits a relay took whose completion is not recorded yet. */
  private readonly done: DueDeposit[] = [];
  /** By message seq and blob id (hex): uploads in flight, for progress. */
  private readonly uploads = new Map<string, BlobUploads>();

  constructor(private readonly options: OutboxWorkerOptions) {}

  /** Runs the outbox now (new envelopes, or a relay came back). */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      } else this.schedule();
    });
  }

  /** Resolves when no drain is in progress (for an orderly shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
    this.recordCompleted();
  }

  private schedule(): void {
    if (this.stopped) return;
    const next = this.options.store.outbox.nextAttemptAt();
    if (next === null) return;
    this.timer = setTimeout(() => this.kick(), Math.max(0, next - this.options.now()));
    this.timer.unref();
  }

  private async drain(): Promise<void> {
    for (;;) {
      const due = this.options.store.outbox.due(this.options.now(), BATCH);
      if (due.length === 0 || this.stopped) return;
      await Promise.all(due.map((deposit) => this.attempt(deposit)));
      // Before the next query: a completion not yet recorded would make its deposit due again.
      this.recordCompleted();
    }
  }

  /** Queues a relay's durable copy for recording with the others that complete in this turn. */
  private completed(deposit: DueDeposit): void {
    if (this.done.length === 0) setImmediate(() => this.recordCompleted());
    this.done.push(deposit);
  }

  /**
   * Records every completed deposit waiting in one durable commit, not one each. A completion
   * lost to a crash before it is recorded only repeats that deposit, which the relay answers
   * as a duplicate.
   */
  private recordCompleted(): void {
    const done = this.done.splice(0);
    if (done.length === 0) return;
    try {
      this.options.store.outbox.completeAll(done.map((deposit) => deposit.id), this.options.now());
    } catch (error) {
      for (const deposit of done) this.options.onError(deposit, error);
      return;
    }
    for (const deposit of done) {
      this.options.pool.reportSuccess(deposit.relayUrl);
      if (deposit.messageSeq !== null) this.options.onStored(deposit.messageSeq, deposit.relayUrl);
    }
  }

  private async attempt(deposit: DueDeposit): Promise<void> {
    const { store, pool } = this.options;
    try {
      const relayKey = this.options.relayKey(deposit.relayUrl);
      if (!relayKey) throw new AegeesError('NOT_FOUND', `no identity key is known for relay ${deposit.relayUrl}`);
      const client = pool.client(deposit.relayUrl, relayKey);
      for (const blobId of deposit.blobIds) await this.upload(deposit, client, blobId);
      await client.deposit({ msgId: deposit.msgId, mailboxIds: deposit.mailboxIds, blobIds: deposit.blobIds, envelope: deposit.envelope });
      this.completed(deposit);
    } catch (error) {
      pool.reportFailure(deposit.relayUrl, error);
      const reason = error instanceof Error ? error.message : String(error);
      if (isPermanent(error)) store.outbox.giveUp(deposit.id, reason);
      else store.outbox.retryLater(deposit.id, this.options.now() + retryDelayMs(deposit.attempts + 1, OUTBOX_BACKOFF, this.options.random), reason);
      this.options.onError(deposit, error);
    }
  }

  private async upload(deposit: DueDeposit, client: RelayClient, blobId: Uint8Array): Promise<void> {
    const report = this.options.onUploadProgress;
    const seq = deposit.messageSeq;
    if (!report || seq === null) return uploadAttachment(this.options.profileDir, client, blobId);
    const key = `${seq}:${Buffer.from(blobId).toString('hex')}`;
    let uploads = this.uploads.get(key);
    if (!uploads) this.uploads.set(key, (uploads = { active: 0, furthest: 0, finished: false }));
    const entry = uploads;
    entry.active++;
    try {
      await uploadAttachment(this.options.profileDir, client, blobId, (done, total) => {
        if (done <= entry.furthest || entry.finished) return;
        entry.furthest = done;
        entry.finished = done >= total;
        report(seq, blobId, done, total);
      });
    } finally {
      if (--entry.active === 0) {
        this.uploads.delete(key);
        if (!entry.finished && entry.furthest > 0) report(seq, blobId, 0, 0);
      }
    }
  }
}

/** Relay refusals that the same request can never overcome: retrying would only repeat them. */
const PERMANENT_RELAY_CODES: ReadonlySet<RelayErrorCode> = new Set([
  'MALFORMED', 'TOO_LARGE', 'LENGTH_REQUIRED', 'UNSUPPORTED_MEDIA_TYPE', 'METHOD_NOT_ALLOWED', 'CONFLICT', 'HASH_MISMATCH',
]);

function isPermanent(error: unknown): boolean {
  if (error instanceof RelayRequestError && error.relayCode !== undefined) return PERMANENT_RELAY_CODES.has(error.relayCode);
  // No relay key known for the URL, or a request this client refuses to make.
  return isAegeesError(error, 'NOT_FOUND') || isAegeesError(error, 'INVALID_ARGUMENT');
}
