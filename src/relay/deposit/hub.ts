// This process's deposit connections: accepts WebSocket upgrades on /v1/deposits and, at
// shutdown, lets each answer the deposits it has in flight before closing it.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RelayContext } from '../context.js';
import type { TokenBuckets } from '../rate-limit.js';
import { depositFrameLimit } from './accept.js';
import { DepositConnection } from './connection.js';

export class DepositHub {
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<DepositConnection>();

  constructor(
    private readonly ctx: RelayContext,
    private readonly limiter: TokenBuckets,
  ) {
    this.wss = new WebSocketServer({
      noServer: true,
      // Larger frames close the connection with 1009 before they are buffered whole.
      maxPayload: depositFrameLimit(ctx.config),
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const address = req.socket.remoteAddress ?? 'unknown';
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const connection = new DepositConnection(this.ctx, ws, socket, address, this.limiter);
      this.connections.add(connection);
      ws.once('close', () => this.connections.delete(connection));
    });
  }

  /** Answers in-flight deposits and closes every connection with 1001, bounded by `timeoutMs`. */
  async closeAll(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([...this.connections].map((connection) => connection.drain())),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    for (const connection of this.connections) connection.ws.terminate();
    this.wss.close();
  }
}
