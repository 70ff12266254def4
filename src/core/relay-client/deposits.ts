// Deposits over one long-lived WebSocket per relay (docs/PROTOCOL.md §7.3): opened by the
// first deposit, shared by every later one, many deposits in flight, each answer matched by
// the id its frame carried. Checking the answers (receipts) is the caller's job.
import { WebSocket } from 'ws';
import {
  DepositAnswerFrame,
  RELAY_PATHS,
  type DepositFrame,
  type DepositRequest,
  type DepositResponse,
} from '../../common/relay-protocol.js';
import { errorFromRefusal, unavailable } from './errors.js';
import type { RelayTransport } from './http.js';

/** Answers are small: a receipt, or a refusal naming at most 1000 mailboxes. */
const MAX_ANSWER_BYTES = 128 * 1024;

interface Waiting {
  /** The socket the deposit went out on: only its closing fails the deposit. */
  readonly ws: WebSocket;
  resolve(answer: DepositResponse): void;
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

  constructor(
    private readonly transport: RelayTransport,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Sends one deposit. A relay closes a deposit socket it found idle, which can cross a new
   * deposit on the wire; deposits are idempotent by msgId, so that one is sent once more.
   */
  async deposit(request: DepositRequest): Promise<DepositResponse> {
    try {
      return await this.attempt(request);
    } catch (error) {
      if (!(error instanceof ClosedBeforeAnswer)) throw error;
      return this.attempt(request);
    }
  }

  private async attempt(request: DepositRequest): Promise<DepositResponse> {
    const ws = await (this.current ??= this.open()).ready;
    const id = this.nextId;
    this.nextId = (this.nextId + 1) % 0x1_0000_0000;
    const frame: DepositFrame = { type: 'deposit', id, ...request };
    return new Promise<DepositResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(unavailable(`relay did not answer the deposit within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.waiting.set(id, { ws, resolve, reject, timer });
      ws.send(JSON.stringify(frame));
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
    const answer = parsed.data;
    const waiting = this.waiting.get(answer.id);
    if (!waiting) return;
    this.waiting.delete(answer.id);
    clearTimeout(waiting.timer);
    if (answer.type === 'refused') waiting.reject(errorFromRefusal(answer));
    else {
      const { type: _type, id: _id, ...response } = answer;
      waiting.resolve(response);
    }
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
