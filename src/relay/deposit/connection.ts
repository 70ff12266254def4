// One WebSocket on /v1/deposits (docs/PROTOCOL.md §7.3): deposit frames in, answers out,
// many in flight. Anyone may deposit, so there is no authentication; the deposits one commit
// made durable are answered together in one `deposited` frame under one signed receipt. A
// frame that is not a deposit closes the connection (4400); a deposit the relay will not
// store is answered `refused` and the connection goes on.
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { signDepositReceipt } from '../../core/crypto/mailbox.js';
import { isAegeesError } from '../../common/errors.js';
import { decodeDepositFrame, type BinaryDeposit } from '../../common/relay-frames.js';
import {
  CLOSE_CODES,
  PROTOCOL_MAX,
  type DepositedFrame,
  type RefusedFrame,
} from '../../common/relay-protocol.js';
import type { RelayContext } from '../context.js';
import { HttpError } from '../http/respond.js';
import type { TokenBuckets } from '../rate-limit.js';
import { acceptDeposit, checkDeposit, type AcceptedDeposit } from './accept.js';

/** Answers the client has not read yet; past this the relay stops reading its deposits. */
const MAX_UNREAD_ANSWER_BYTES = 256 * 1024;

export class DepositConnection {
  private state: 'open' | 'draining' | 'closed' = 'open';
  /** Ids of deposits received and not yet answered. */
  private readonly inflight = new Set<number>();
  /** Durable and not yet answered: sent together, under one receipt, when this tick ends. */
  private durable: Array<AcceptedDeposit & { readonly id: number }> = [];
  private paused = false;
  private corked = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private drained: (() => void) | undefined;

  constructor(
    private readonly ctx: RelayContext,
    readonly ws: WebSocket,
    private readonly socket: Duplex,
    private readonly address: string,
    private readonly limiter: TokenBuckets,
  ) {
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('close', () => this.onClose());
    ws.on('error', (error) => ctx.log.debug({ err: error }, 'deposit socket error'));
    socket.on('drain', () => this.updateFlow());
    ctx.metrics.depositConnections.inc();
    this.armIdleTimer();
  }

  private close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.ws.close(code, reason.slice(0, 120));
    this.onClose();
  }

  private malformed(reason: string): void {
    this.ctx.metrics.rejections.inc({ reason: 'malformed' });
    this.close(CLOSE_CODES.malformed, reason);
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.state === 'closed') return;
    if (!isBinary) {
      this.malformed('deposits are binary frames; text frames are not part of this protocol');
      return;
    }
    let frame: BinaryDeposit;
    try {
      frame = decodeDepositFrame(data);
    } catch (error) {
      if (!isAegeesError(error)) throw error;
      this.malformed(error.message);
      return;
    }
    if (this.inflight.has(frame.id)) {
      this.malformed(`deposit id ${frame.id} is already in flight`);
      return;
    }
    const refusal = this.admit(data.length);
    if (refusal) {
      this.refuse(frame.id, refusal);
      return;
    }
    this.inflight.add(frame.id);
    clearTimeout(this.idleTimer);
    this.updateFlow();
    void this.deposit(frame, data.length);
  }

  /** Rate limit, shutdown and the shared memory budget, checked before any work. */
  private admit(bytes: number): HttpError | undefined {
    const wait = this.limiter.take(this.address);
    if (wait > 0) return new HttpError(429, 'RATE_LIMITED', 'too many requests from this address', {}, wait);
    if (this.state === 'draining') return new HttpError(503, 'UNAVAILABLE', 'relay shutting down', {}, 1);
    if (!this.ctx.bodyBudget.tryReserve(bytes)) {
      return new HttpError(503, 'UNAVAILABLE', 'the relay is receiving too many deposits; retry later', {}, 1);
    }
    return undefined;
  }

  private async deposit(frame: BinaryDeposit, bytes: number): Promise<void> {
    let outcome: AcceptedDeposit | HttpError;
    try {
      outcome = await acceptDeposit(this.ctx, checkDeposit(this.ctx.config, frame));
    } catch (error) {
      if (error instanceof HttpError) outcome = error;
      else {
        this.ctx.log.error({ err: error }, 'deposit failed');
        outcome = new HttpError(500, 'INTERNAL', 'internal error');
      }
    } finally {
      this.ctx.bodyBudget.release(bytes);
      this.inflight.delete(frame.id);
    }
    if (outcome instanceof HttpError) this.refuse(frame.id, outcome);
    else this.answer(frame.id, outcome);
    if (this.inflight.size === 0) {
      this.drained?.();
      this.armIdleTimer();
    }
  }

  private refuse(id: number, error: HttpError): void {
    if (this.state === 'closed') return;
    this.ctx.metrics.rejections.inc({ reason: error.code.toLowerCase() });
    const frame: RefusedFrame = { type: 'refused', id, code: error.code, message: error.message, ...error.details };
    if (error.retryAfterSeconds !== undefined) frame.retryAfter = Math.max(1, Math.ceil(error.retryAfterSeconds));
    this.cork();
    this.ws.send(JSON.stringify(frame));
    this.updateFlow();
  }

  private answer(id: number, accepted: AcceptedDeposit): void {
    if (this.state === 'closed') return;
    this.durable.push({ id, ...accepted });
    this.cork();
  }

  /**
   * One group commit makes many deposits durable at once and their answers follow each other
   * within one tick: corked until the tick ends, they leave in one write instead of one each,
   * and the deposits among them share one `deposited` frame and one signature.
   */
  private cork(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(() => {
      this.sendDurable();
      this.corked = false;
      this.socket.uncork();
    });
  }

  private sendDurable(): void {
    if (this.state === 'closed') this.durable = [];
    const { publicKey, secretKey } = this.ctx.identity;
    while (this.durable.length > 0) {
      const batch = this.durable.splice(0, PROTOCOL_MAX.answersPerFrame);
      const frame: DepositedFrame = {
        type: 'deposited',
        answers: batch.map((accepted) => ({
          id: accepted.id,
          status: accepted.status,
          msgId: accepted.msgId.toString('hex'),
          expiresAt: accepted.expiresAt,
          digest: accepted.digest.toString('hex'),
        })),
        receipt: signDepositReceipt(publicKey, batch, secretKey).toString('hex'),
      };
      this.ws.send(JSON.stringify(frame));
    }
    this.updateFlow();
  }

  /** Stops reading deposits while the window is full or the client is not reading answers. */
  private updateFlow(): void {
    if (this.state === 'closed') return;
    const full = this.inflight.size >= this.ctx.config.depositWindow || this.ws.bufferedAmount > MAX_UNREAD_ANSWER_BYTES;
    if (full && !this.paused) this.ws.pause();
    else if (!full && this.paused) this.ws.resume();
    this.paused = full;
  }

  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    if (this.state !== 'open') return;
    // Closed with 1000 ("idle"): the client reopens when it next deposits.
    this.idleTimer = setTimeout(() => this.close(1000, 'idle'), this.ctx.config.depositIdleTimeout * 1000);
    this.idleTimer.unref();
  }

  /** Shutdown: answers what is in flight, refuses new deposits, then closes with 1001. */
  async drain(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'draining';
    clearTimeout(this.idleTimer);
    if (this.inflight.size > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    this.close(1001, 'relay shutting down');
  }

  private onClose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.idleTimer);
    this.ctx.metrics.depositConnections.dec();
    this.drained?.();
  }
}
