// The persistent outbox: a sealed envelope and, per relay, a deposit still to be made.
// Everything here is committed before any network I/O, so an envelope written while
// offline (or before a crash) is sent once a relay answers.
import { AegeesError } from '../../common/errors.js';
import type { Db } from './database.js';

/** Mailbox and blob ids are fixed-size (docs/PROTOCOL.md); lists are stored concatenated. */
export const MAILBOX_ID_BYTES = 32;
const BLOB_ID_BYTES = 32;

export interface DepositTarget {
  readonly relayUrl: string;
  readonly mailboxIds: readonly Uint8Array[];
}

export interface NewOutboxEnvelope {
  readonly msgId: Uint8Array;
  readonly envelope: Uint8Array;
  /** The chat message the envelope carries, if any. */
  readonly messageSeq?: number | null;
  /** Attachment blobs the envelope references; each relay must hold them before the deposit. */
  readonly blobIds?: readonly Uint8Array[];
  readonly deposits: readonly DepositTarget[];
  /** Also when the first attempt is due. */
  readonly createdAt: number;
}

export interface DueDeposit {
  readonly id: number;
  readonly msgId: Buffer;
  readonly relayUrl: string;
  readonly mailboxIds: Buffer[];
  readonly envelope: Buffer;
  readonly messageSeq: number | null;
  readonly blobIds: Buffer[];
  /** Failed attempts so far. */
  readonly attempts: number;
}

interface DueRow {
  id: number;
  msg_id: Buffer;
  relay_url: string;
  mailbox_ids: Buffer;
  envelope: Buffer;
  message_seq: number | null;
  blob_ids: Buffer | null;
  attempts: number;
}

export class OutboxRepository {
  private readonly insertEnvelope;
  private readonly insertDeposit;
  private readonly dueRows;
  private readonly depositById;
  private readonly deleteDeposit;
  private readonly remainingDeposits;
  private readonly deleteEnvelope;
  private readonly recordStored;
  private readonly markMessageStored;
  private readonly reschedule;
  private readonly earliest;
  private readonly dueNowAll;
  private readonly dueNowRelay;
  private readonly markMessageFailed;

  constructor(private readonly db: Db) {
    this.insertEnvelope = db.prepare(
      'INSERT INTO outbox_envelopes (msg_id, message_seq, envelope, blob_ids, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.insertDeposit = db.prepare(
      'INSERT INTO outbox_deposits (msg_id, relay_url, mailbox_ids, next_attempt_at) VALUES (?, ?, ?, ?)',
    );
    this.dueRows = db.prepare<[number, number], DueRow>(`
      SELECT d.id, d.msg_id, d.relay_url, d.mailbox_ids, d.attempts, e.envelope, e.message_seq, e.blob_ids
      FROM outbox_deposits d JOIN outbox_envelopes e USING (msg_id)
      WHERE d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?`);
    this.depositById = db.prepare<[number], { msg_id: Buffer; relay_url: string; message_seq: number | null }>(`
      SELECT d.msg_id, d.relay_url, e.message_seq
      FROM outbox_deposits d JOIN outbox_envelopes e USING (msg_id) WHERE d.id = ?`);
    this.deleteDeposit = db.prepare('DELETE FROM outbox_deposits WHERE id = ?');
    this.remainingDeposits = db.prepare<[Uint8Array], number>('SELECT count(*) FROM outbox_deposits WHERE msg_id = ?').pluck();
    this.deleteEnvelope = db.prepare('DELETE FROM outbox_envelopes WHERE msg_id = ?');
    this.recordStored = db.prepare(
      'INSERT INTO message_deposits (message_seq, relay_url, stored_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.markMessageStored = db.prepare("UPDATE messages SET state = 'stored' WHERE seq = ? AND state = 'queued'");
    this.reschedule = db.prepare(
      'UPDATE outbox_deposits SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?',
    );
    this.earliest = db.prepare<[], number | null>('SELECT min(next_attempt_at) FROM outbox_deposits').pluck();
    this.dueNowAll = db.prepare('UPDATE outbox_deposits SET next_attempt_at = ? WHERE next_attempt_at > ?');
    this.dueNowRelay = db.prepare('UPDATE outbox_deposits SET next_attempt_at = ? WHERE next_attempt_at > ? AND relay_url = ?');
    this.markMessageFailed = db.prepare(`
      UPDATE messages SET state = 'failed', error = ?
      WHERE seq = ? AND state = 'queued' AND NOT EXISTS (SELECT 1 FROM outbox_deposits d JOIN outbox_envelopes e USING (msg_id) WHERE e.message_seq = ?)`);
  }

  /** Queues the envelope for every target relay; returns the deposit ids. */
  enqueue(item: NewOutboxEnvelope): number[] {
    if (item.deposits.length === 0) throw new AegeesError('INVALID_ARGUMENT', 'an outbox envelope needs at least one relay');
    return this.db.transaction(() => {
      const blobIds = item.blobIds?.length ? joinIds(item.blobIds, BLOB_ID_BYTES, 'blob') : null;
      this.insertEnvelope.run(item.msgId, item.messageSeq ?? null, item.envelope, blobIds, item.createdAt);
      return item.deposits.map((target) =>
        Number(this.insertDeposit.run(item.msgId, target.relayUrl, joinIds(target.mailboxIds, MAILBOX_ID_BYTES, 'mailbox'), item.createdAt).lastInsertRowid),
      );
    })();
  }

  /** Deposits whose next attempt is due at `now`, oldest first. */
  due(now: number, limit: number): DueDeposit[] {
    return this.dueRows.all(now, limit).map((row) => ({
      id: row.id,
      msgId: row.msg_id,
      relayUrl: row.relay_url,
      mailboxIds: splitIds(row.mailbox_ids, MAILBOX_ID_BYTES),
      envelope: row.envelope,
      messageSeq: row.message_seq,
      blobIds: row.blob_ids ? splitIds(row.blob_ids, BLOB_ID_BYTES) : [],
      attempts: row.attempts,
    }));
  }

  /**
   * The relay acknowledged a durable copy: the deposit is done, the message is stored
   * there, and the envelope goes once no relay is left to take it. False if unknown.
   */
  complete(depositId: number, at: number): boolean {
    return this.db.transaction(() => {
      const deposit = this.depositById.get(depositId);
      if (!deposit) return false;
      this.deleteDeposit.run(depositId);
      if (deposit.message_seq !== null) {
        this.recordStored.run(deposit.message_seq, deposit.relay_url, at);
        this.markMessageStored.run(deposit.message_seq);
      }
      if (this.remainingDeposits.get(deposit.msg_id) === 0) this.deleteEnvelope.run(deposit.msg_id);
      return true;
    })();
  }

  /**
   * Records several completed deposits in one transaction (one durable commit); returns how
   * many were known.
   */
  completeAll(depositIds: readonly number[], at: number): number {
    return this.db.transaction(() => depositIds.filter((id) => this.complete(id, at)).length)();
  }

  /** The attempt failed; the caller's backoff schedule picks the next time. */
  retryLater(depositId: number, nextAttemptAt: number, error: string): boolean {
    return this.reschedule.run(nextAttemptAt, error, depositId).changes === 1;
  }

  /** Makes waiting deposits (to one relay, or all) due at `now`; returns how many. */
  retryNow(relayUrl: string | undefined, now: number): number {
    return (relayUrl === undefined ? this.dueNowAll.run(now, now) : this.dueNowRelay.run(now, now, relayUrl)).changes;
  }

  /**
   * The relay refused the deposit for good: it is dropped, and a chat message that no
   * relay holds and no deposit still waits for is marked failed with `error`.
   */
  giveUp(depositId: number, error: string): boolean {
    return this.db.transaction(() => {
      const deposit = this.depositById.get(depositId);
      if (!deposit) return false;
      this.deleteDeposit.run(depositId);
      if (this.remainingDeposits.get(deposit.msg_id) === 0) this.deleteEnvelope.run(deposit.msg_id);
      if (deposit.message_seq !== null) this.markMessageFailed.run(error, deposit.message_seq, deposit.message_seq);
      return true;
    })();
  }

  /** When the earliest pending deposit is due, or null when the outbox is empty. */
  nextAttemptAt(): number | null {
    return this.earliest.get() ?? null;
  }
}

function joinIds(ids: readonly Uint8Array[], size: number, what: string): Buffer {
  if (ids.length === 0 || ids.some((id) => id.length !== size)) {
    throw new AegeesError('INVALID_ARGUMENT', `a deposit needs one or more ${what} ids of ${size} bytes`);
  }
  return Buffer.concat(ids);
}

function splitIds(joined: Buffer, size: number): Buffer[] {
  const ids: Buffer[] = [];
  for (let at = 0; at < joined.length; at += size) ids.push(joined.subarray(at, at + size));
  return ids;
}
