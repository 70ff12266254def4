// One WebSocket on /v1/mailbox: challenge, authentication, then pushes and acks
// (docs/PROTOCOL.md §8). Pushes are flow-controlled by a window of unacknowledged
// envelopes (count and bytes), so a client that stops reading or acking holds at most one
// window of relay memory.
import type { WebSocket } from 'ws';
import { blake2b, constantTimeEqual, randomBytes } from '../../core/crypto/sodium.js';
import { RELAY_NONCE_BYTES, signRelayChallenge, verifyMailboxAuth, type ChallengeContext } from '../../core/crypto/mailbox.js';
import {
  CLOSE_CODES,
  ClientFrame,
  type RelayErrorCode,
  type ServerFrame,
} from '../../common/relay-protocol.js';
import { encodeEnvelopeFrame } from '../../common/relay-frames.js';
import type { RelayContext } from '../context.js';
import type { PendingEnvelope } from '../store/store.js';
import { TokenBuckets } from '../rate-limit.js';

/**
 * Frames per second (burst: 4×) that do no useful work: authentication attempts and acks
 * naming nothing in flight. Acks of pushed envelopes are free, since pushes bound them.
 */
const WASTED_FRAMES_PER_SECOND = 50;

export interface ConnectionHost {
  /** Makes `connection` the mailbox's current connection (closing an older one). */
  register(connection: MailboxConnection): void;
  unregister(connection: MailboxConnection): void;
}

export class MailboxConnection {
  private state: 'challenged' | 'ready' | 'closed' = 'challenged';
  private nonce: Buffer | undefined;
  private readonly challenge: Omit<ChallengeContext, 'nonce'>;
  private readonly authTimer: NodeJS.Timeout;
  private readonly wastedFrames = new TokenBuckets(WASTED_FRAMES_PER_SECOND, WASTED_FRAMES_PER_SECOND * 4);
  mailboxId: Buffer | undefined;
  mailboxHex = '';
  alive = true;

  /** Pushed and not yet acknowledged, by message id. */
  private readonly inflight = new Map<string, { seq: number; bytes: number }>();
  private inflightBytes = 0;
  /** Acknowledged, but the store has not yet committed the ack. */
  private readonly acking = new Set<number>();
  /** Rows whose stored bytes fail their hash; never pushed. */
  private readonly damaged = new Set<number>();
  private draining = false;
  private drainAgain = false;
  /** The store may hold envelopes for this mailbox that were not pushed (the window was full). */
  private backlog = true;

  constructor(
    private readonly ctx: RelayContext,
    private readonly host: ConnectionHost,
    readonly ws: WebSocket,
    clientNonce: Buffer,
    channelBinding: Buffer,
  ) {
    this.challenge = { relayKey: ctx.identity.publicKey, clientNonce, channelBinding };
    this.nonce = randomBytes(RELAY_NONCE_BYTES);
    const ttl = Math.round(ctx.config.challengeTtl * 1000);
    this.authTimer = setTimeout(() => this.reject('AUTH_TIMEOUT', CLOSE_CODES.authTimeout, 'authentication timed out'), ttl);
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    ws.on('close', () => this.onClose());
    ws.on('error', (error) => ctx.log.debug({ err: error }, 'mailbox socket error'));
    const context = { ...this.challenge, nonce: this.nonce };
    this.send({
      type: 'challenge',
      relayKey: ctx.identity.publicKey.toString('hex'),
      nonce: this.nonce.toString('hex'),
      expiresAt: Date.now() + ttl,
      signature: signRelayChallenge(context, ctx.identity.secretKey).toString('hex'),
    });
  }

  private send(frame: ServerFrame): void {
    this.ws.send(JSON.stringify(frame));
  }

  private reject(code: RelayErrorCode, closeCode: number, message: string): void {
    if (this.state === 'closed') return;
    this.ctx.metrics.rejections.inc({ reason: code.toLowerCase() });
    if (code === 'AUTH_FAILED' || code === 'AUTH_TIMEOUT') this.send({ type: 'error', code, message });
    this.close(closeCode, message);
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.ws.close(code, reason.slice(0, 120));
    this.onClose();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.state === 'closed') return;
    if (isBinary) {
      this.reject('MALFORMED', CLOSE_CODES.malformed, 'a client sends no binary frames on a mailbox connection');
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data.toString('utf8'));
    } catch {
      this.reject('MALFORMED', CLOSE_CODES.malformed, 'frame is not JSON');
      return;
    }
    const parsed = ClientFrame.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      this.reject('MALFORMED', CLOSE_CODES.malformed, `${issue?.path.join('.') || 'frame'}: ${issue?.message ?? 'invalid'}`);
      return;
    }
    const frame = parsed.data;
    const useful = frame.type === 'ack' && frame.msgIds.some((msgId) => this.inflight.has(msgId));
    if (!useful && this.wastedFrames.take('') > 0) {
      this.reject('RATE_LIMITED', CLOSE_CODES.rateLimited, 'too many frames');
      return;
    }
    if (frame.type === 'auth') {
      if (this.state !== 'challenged') this.reject('MALFORMED', CLOSE_CODES.malformed, 'already authenticated');
      else this.authenticate(Buffer.from(frame.mailboxKey, 'hex'), Buffer.from(frame.signature, 'hex'));
      return;
    }
    if (this.state !== 'ready') {
      this.reject('MALFORMED', CLOSE_CODES.malformed, 'authenticate first');
      return;
    }
    void this.acknowledge(frame.msgIds);
  }

  private authenticate(mailboxKey: Buffer, signature: Buffer): void {
    clearTimeout(this.authTimer);
    // Single use: whatever this attempt's outcome, the nonce is gone.
    const nonce = this.nonce;
    this.nonce = undefined;
    const mailboxId = nonce && verifyMailboxAuth({ ...this.challenge, nonce }, mailboxKey, signature);
    if (!mailboxId) {
      this.reject('AUTH_FAILED', CLOSE_CODES.authFailed, 'authentication failed');
      return;
    }
    this.mailboxId = mailboxId;
    this.mailboxHex = mailboxId.toString('hex');
    this.state = 'ready';
    this.host.register(this);
    this.ctx.metrics.connectedMailboxes.inc();
    this.send({ type: 'ready', mailboxId: this.mailboxHex });
    this.drain();
  }

  private async acknowledge(msgIds: readonly string[]): Promise<void> {
    const seqs: number[] = [];
    for (const msgId of msgIds) {
      const entry = this.inflight.get(msgId);
      if (!entry) continue;
      this.inflight.delete(msgId);
      this.inflightBytes -= entry.bytes;
      this.ctx.metrics.inflightBytes.dec(entry.bytes);
      this.acking.add(entry.seq);
      seqs.push(entry.seq);
    }
    try {
      const outcome = await this.ctx.store.ack(this.mailboxId!, msgIds.map((id) => Buffer.from(id, 'hex')), Date.now());
      this.ctx.metrics.deliveries.inc(outcome.delivered);
      this.ctx.metrics.deletions.inc({ kind: 'envelope' }, outcome.deletedEnvelopes);
      this.ctx.metrics.deletions.inc({ kind: 'blob' }, outcome.deletedBlobs);
    } catch (error) {
      this.ctx.log.error({ err: error }, 'storing an acknowledgement failed');
      this.close(1011, 'internal error');
      return;
    } finally {
      for (const seq of seqs) this.acking.delete(seq);
    }
    if (this.backlog) this.drain();
  }

  private windowOpen(): boolean {
    return this.inflight.size < this.ctx.config.pushWindow && this.inflightBytes < this.ctx.config.pushWindowBytes;
  }

  /**
   * A just-committed envelope for this mailbox: pushed from memory when nothing older is
   * waiting, which saves reading back what was just written; otherwise a drain finds it.
   */
  offer(envelope: PendingEnvelope): void {
    if (this.state !== 'ready') return;
    if (this.draining || this.backlog || !this.windowOpen()) {
      this.backlog = true;
      this.drain();
      return;
    }
    this.push(envelope);
  }

  private push(row: PendingEnvelope): void {
    const msgId = row.msgId.toString('hex');
    this.inflight.set(msgId, { seq: row.seq, bytes: row.envelope.length });
    this.inflightBytes += row.envelope.length;
    this.ctx.metrics.inflightBytes.inc(row.envelope.length);
    this.ctx.metrics.pushes.inc();
    this.ws.send(encodeEnvelopeFrame({ msgId: row.msgId, expiresAt: row.expiresAt, envelope: row.envelope }));
  }

  /** Pushes pending envelopes while the window is open; re-runs if notified meanwhile. */
  drain(): void {
    if (this.state !== 'ready') return;
    if (this.draining) {
      this.drainAgain = true;
      return;
    }
    this.draining = true;
    this.pushPending()
      .catch((error: unknown) => {
        this.ctx.log.error({ err: error }, 'reading pending envelopes failed');
        this.close(1011, 'internal error');
      })
      .finally(() => {
        this.draining = false;
      });
  }

  private async pushPending(): Promise<void> {
    do {
      this.drainAgain = false;
      while (this.state === 'ready' && this.windowOpen()) {
        const room = this.ctx.config.pushWindow - this.inflight.size;
        const exclude = [...this.acking, ...this.damaged];
        for (const entry of this.inflight.values()) exclude.push(entry.seq);
        const rows = await this.ctx.store.pending(this.mailboxId!, exclude, room);
        for (const row of rows) {
          if (this.state !== 'ready') return;
          const msgId = row.msgId.toString('hex');
          if (this.inflight.has(msgId)) continue;
          if (!constantTimeEqual(blake2b(32, row.envelope), row.bodyHash)) {
            this.damaged.add(row.seq);
            this.ctx.metrics.rejections.inc({ reason: 'envelope_corrupt' });
            this.ctx.log.error({ msgId }, 'stored envelope is damaged (hash differs); refusing to push it');
            continue;
          }
          this.push(row);
        }
        if (rows.length < room) {
          this.backlog = false;
          break;
        }
      }
      if (!this.windowOpen()) this.backlog = true;
    } while (this.drainAgain && this.state === 'ready');
  }

  private onClose(): void {
    if (this.state === 'closed') return;
    const wasReady = this.state === 'ready';
    this.state = 'closed';
    clearTimeout(this.authTimer);
    this.ctx.metrics.inflightBytes.dec(this.inflightBytes);
    this.inflight.clear();
    this.inflightBytes = 0;
    if (wasReady) {
      this.ctx.metrics.connectedMailboxes.dec();
      this.host.unregister(this);
    }
  }
}
