// This process's mailbox connections: accepts WebSocket upgrades on /v1/mailbox, keeps one
// current connection per mailbox, wakes connections when deposits for them commit (here or,
// with PostgreSQL, in another process) and closes them all at shutdown.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { channelBindingOf } from '../../core/crypto/mailbox.js';
import { CLOSE_CODES, NonceHex } from '../../common/relay-protocol.js';
import type { RelayContext } from '../context.js';
import { MAX_FRAME_BYTES } from '../http/info.js';
import { HttpError } from '../http/respond.js';
import type { PendingEnvelope } from '../store/store.js';
import { MailboxConnection, type ConnectionHost } from './connection.js';

const PING_INTERVAL_MS = 30_000;

export class MailboxHub implements ConnectionHost {
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: false,
  });
  private readonly connections = new Set<MailboxConnection>();
  private readonly byMailbox = new Map<string, MailboxConnection>();
  private readonly pinger: NodeJS.Timeout;

  constructor(private readonly ctx: RelayContext) {
    this.pinger = setInterval(() => this.ping(), PING_INTERVAL_MS);
    this.pinger.unref();
  }

  /** Validates the upgrade request; throws an HttpError to refuse it. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, url: URL): void {
    const clientNonce = url.searchParams.get('clientNonce');
    if (clientNonce === null || !NonceHex.safeParse(clientNonce).success) {
      throw new HttpError(400, 'MALFORMED', 'clientNonce must be 32 bytes of lowercase hex');
    }
    const binding = channelBindingOf(socket);
    this.wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const connection = new MailboxConnection(this.ctx, this, ws, Buffer.from(clientNonce, 'hex'), binding);
      this.connections.add(connection);
      ws.once('close', () => this.connections.delete(connection));
    });
  }

  register(connection: MailboxConnection): void {
    const previous = this.byMailbox.get(connection.mailboxHex);
    this.byMailbox.set(connection.mailboxHex, connection);
    previous?.close(CLOSE_CODES.replaced, 'replaced by a newer connection for this mailbox');
  }

  unregister(connection: MailboxConnection): void {
    if (this.byMailbox.get(connection.mailboxHex) === connection) this.byMailbox.delete(connection.mailboxHex);
  }

  notify(mailboxIds: readonly Buffer[]): void {
    for (const mailboxId of mailboxIds) this.byMailbox.get(mailboxId.toString('hex'))?.drain();
  }

  /** A deposit this process committed: offered straight to connected recipients. */
  deposited(mailboxIds: readonly Buffer[], envelope: PendingEnvelope): void {
    for (const mailboxId of mailboxIds) this.byMailbox.get(mailboxId.toString('hex'))?.offer(envelope);
  }

  /** After a gap in cross-process notifications: look for missed deposits everywhere. */
  notifyAll(): void {
    for (const connection of this.byMailbox.values()) connection.drain();
  }

  private ping(): void {
    for (const connection of this.connections) {
      if (!connection.alive) {
        connection.ws.terminate();
        continue;
      }
      connection.alive = false;
      connection.ws.ping();
    }
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Closes every connection with 1001 and waits (bounded) for the close handshakes. */
  async closeAll(timeoutMs: number): Promise<void> {
    clearInterval(this.pinger);
    const closed = [...this.connections].map(
      (connection) => new Promise<void>((resolve) => {
        if (connection.ws.readyState === connection.ws.CLOSED) resolve();
        else connection.ws.once('close', () => resolve());
        connection.close(1001, 'relay shutting down');
      }),
    );
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(closed),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    for (const connection of this.connections) connection.ws.terminate();
    this.wss.close();
  }
}
