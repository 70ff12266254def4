// Deposits over one long-lived WebSocket per relay (docs/PROTOCOL.md §7.3): opened by the
// first deposit, shared by every later one, many deposits in flight, each answer matched by
// the id its frame carried and accepted only under a receipt from the relay's identity key.
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { encodeDepositFrame } from '../../common/relay-frames.js';
import { DepositAnswerFrame, RELAY_PATHS, type DepositedFrame } from '../../common/relay-protocol.js';
import { verifyDepositReceipt, type DepositContent } from '../crypto/mailbox.js';
import { constantTimeEqual } from '../crypto/sodium.js';
import { errorFromRefusal, impostor, unavailable } from './errors.js';
import type { RelayTransport } from './http.js';

/** Answers are small: up to 256 answers under one receipt, or a refusal naming at most 1000 mailboxes. */
const MAX_ANSWER_BYTES = 128 * 1024;

export interface DepositResult {
  readonly status: 'stored' | 'duplicate';
  readonly expiresAt: number;
}

/** What the relay's answer to one deposit must vouch for. */
export interface ExpectedReceipt {
  /** `depositDigest` of the deposit, computed by the client. */
  readonly digest: Buffer;
  /** The relay's pinned identity key. */
  readonly relayKey: Buffer;
}

interface Waiting extends ExpectedReceipt {
  /** The socket the deposit went out on: only its closing fails the deposit. */
  readonly ws: WebSocket;
  readonly msgId: string;
  resolve(result: DepositResult): void;
  reject(error: Error): void;
  readonly timer: NodeJS.Timeout;
}

/** The relay closed the socket (idle, 1000) before answering: nothing was lost, send it again. */
class ClosedBeforeAnswer extends Error {}

export class DepositChannel {
  /** The open (or opening) socket; undefined once it failed or closed. */
  private current: { readonly ws: WebSocket; readonly ready: Promise<WebSocket> } | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  /** The socket under the open WebSocket, corked until the current event-loop turn ends. */
  private corked: Duplex | undefined;
  private readonly socketOf = new WeakMap<WebSocket, Duplex>();

  constructor(
    private readonly transport: RelayTransport,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Sends one deposit. A relay closes a deposit socket it found idle, which can cross a new
   * deposit on the wire; deposits are idempotent by msgId, so that one is sent once more.
   */
  async deposit(deposit: DepositContent, expected: ExpectedReceipt): Promise<DepositResult> {
    try {
      return await this.attempt(deposit, expected);
    } catch (error) {
      if (!(error instanceof ClosedBeforeAnswer)) throw error;
      return this.attempt(deposit, expected);
    }
  }

  /** `deposit`'s ids must be sorted (the frame carries them in ascending order). */
  private async attempt(deposit: DepositContent, expected: ExpectedReceipt): Promise<DepositResult> {
    const ws = await (this.current ??= this.open()).ready;
    const id = this.nextId;
    this.nextId = (this.nextId + 1) % 0x1_0000_0000;
    const frame = encodeDepositFrame({ id, ...deposit });
    return new Promise<DepositResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(unavailable(`relay did not answer the deposit within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiting.set(id, { ...expected, ws, msgId: Buffer.from(deposit.msgId).toString('hex'), resolve, reject, timer });
      this.cork(ws);
      ws.send(frame);
    });
  }

  private open(): { ws: WebSocket; ready: Promise<WebSocket> } {
    const ws = new WebSocket(this.transport.wsUrl(RELAY_PATHS.deposits), {
      ...this.transport.tlsOptions,
      minVersion: 'TLSv1.3',
      maxPayload: MAX_ANSWER_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: this.timeoutMs,
    });
    ws.on('message', (data, isBinary) => this.onAnswer(ws, data as Buffer, isBinary));
    ws.once('upgrade', (res) => this.socketOf.set(ws, res.socket));
    const ready = new Promise<WebSocket>((resolve, reject) => {
      ws.once('open', () => resolve(ws));
      ws.on('error', (error) => {
        this.forget(ws);
        reject(unavailable(`relay unreachable: ${error.message}`, error));
      });
      ws.once('unexpected-response', (_req, res) => {
        this.forget(ws);
        reject(unavailable(`relay refused the deposit connection (${res.statusCode ?? 'no status'})`));
        ws.terminate();
      });
      ws.once('close', (code, reason) => {
        this.forget(ws);
        const error = code === 1000
          ? new ClosedBeforeAnswer('relay closed the deposit connection')
          : unavailable(`relay closed the deposit connection (${code} ${reason.toString()})`);
        for (const [id, waiting] of this.waiting) {
          if (waiting.ws !== ws) continue;
          clearTimeout(waiting.timer);
          this.waiting.delete(id);
          waiting.reject(error);
        }
        reject(error);
      });
    });
    // Whoever awaits `ready` sees its failure; this only keeps it from being unhandled.
    ready.catch(() => undefined);
    return { ws, ready };
  }

  /**
   * Deposits started in one event-loop turn (as many as the pushes it read) leave in one
   * write: the socket stays corked until the turn's check phase.
   */
  private cork(ws: WebSocket): void {
    const socket = this.socketOf.get(ws);
    if (!socket || this.corked) return;
    this.corked = socket;
    socket.cork();
    setImmediate(() => {
      this.corked = undefined;
      socket.uncork();
    });
  }

  /** A socket that failed or closed is never reused; the next deposit opens a new one. */
  private forget(ws: WebSocket): void {
    if (this.current?.ws === ws) this.current = undefined;
  }

  private onAnswer(ws: WebSocket, data: Buffer, isBinary: boolean): void {
    const parsed = isBinary ? undefined : DepositAnswerFrame.safeParse(parseJson(data));
    if (!parsed?.success) {
      ws.close(4400, 'malformed answer');
      return;
    }
    const frame = parsed.data;
    if (frame.type === 'refused') this.take(frame.id)?.reject(errorFromRefusal(frame));
    else this.settle(frame);
  }

  private take(id: number): Waiting | undefined {
    const waiting = this.waiting.get(id);
    if (!waiting) return undefined;
    this.waiting.delete(id);
    clearTimeout(waiting.timer);
    return waiting;
  }

  /** One signature covers every answer in the frame, so it is checked once for all of them. */
  private settle(frame: DepositedFrame): void {
    const answered = frame.answers.map((answer) => ({ answer, waiting: this.take(answer.id) }));
    const relayKey = answered.find(({ waiting }) => waiting)?.waiting?.relayKey;
    if (!relayKey) return;
    const entries = frame.answers.map((answer) => ({ digest: Buffer.from(answer.digest, 'hex'), expiresAt: answer.expiresAt }));
    const signed = verifyDepositReceipt(relayKey, entries, Buffer.from(frame.receipt, 'hex'));
    answered.forEach(({ answer, waiting }, index) => {
      if (!waiting) return;
      if (signed && answer.msgId === waiting.msgId && constantTimeEqual(entries[index]!.digest, waiting.digest)) {
        waiting.resolve({ status: answer.status, expiresAt: answer.expiresAt });
      } else {
        waiting.reject(impostor(`relay at ${this.transport.base.href} answered the deposit without a valid receipt from its identity key`));
      }
    });
  }

  close(): void {
    this.current?.ws.close(1000, 'client closing');
    this.current = undefined;
  }
}

function parseJson(data: Buffer): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch {
    return undefined;
  }
}
