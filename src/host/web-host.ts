// The browser target's web host: serves the renderer bundle and the API over a loopback
// WebSocket, on 127.0.0.1 only, behind a secret made at each launch. The key-holding side
// (handlers and events) is passed in, so the messenger engine plugs in without changes here.
import { createServer, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { EVENTS, type ApiHandlers, type EventName } from '../common/api/contract.js';
import { EVENT_NAMES, type ApiEventSource } from '../common/api/transport.js';
import { WIRE_CLOSE, WIRE_MAX_FRAME_BYTES, WIRE_PATH, WIRE_PROTOCOL, encodeFrame } from '../common/api/wire.js';
import { serveApiSocket, sendText, type HostLog } from './api-socket.js';
import { checkUpgrade, newLaunchToken, securityHeaders } from './security.js';
import { plain, serveStatic } from './static-files.js';

const LOOPBACK = '127.0.0.1';

export interface WebHostOptions {
  handlers: ApiHandlers;
  events: ApiEventSource;
  /** The built renderer bundle (`npm run build:renderer` writes dist/renderer). */
  staticDir: string;
  /** 0 or absent picks a free port. */
  port?: number;
  /** Largest frame accepted; a larger one closes that connection with 1009. */
  maxFrameBytes?: number;
  log?: HostLog;
}

export interface WebHost {
  readonly port: number;
  /** http://127.0.0.1:PORT — the only Origin the WebSocket accepts. */
  readonly origin: string;
  readonly token: string;
  /** The address to open: the token rides in the fragment, which browsers never send to a server. */
  readonly url: string;
  close(): Promise<void>;
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const log: HostLog = options.log ?? (() => {});
  const token = newLaunchToken();
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('web host: no TCP address');
  const port = address.port;
  const host = `${LOOPBACK}:${port}`;
  const origin = `http://${host}`;
  const headers = securityHeaders(`ws://${host}`);

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: options.maxFrameBytes ?? WIRE_MAX_FRAME_BYTES,
    perMessageDeflate: false,
    handleProtocols: (protocols) => (protocols.has(WIRE_PROTOCOL) ? WIRE_PROTOCOL : false),
  });
  wss.on('connection', (socket) => serveApiSocket(socket, options.handlers, log));

  server.on('request', (request, response) => {
    if (request.headers.host !== host) return plain(response, 421, `open ${origin}/ instead`, headers);
    void serveStatic(options.staticDir, request, response, headers);
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const verdict = checkUpgrade(request, { origin, host, path: WIRE_PATH, token });
    if (!verdict.ok) {
      log('websocket refused', { status: verdict.status, reason: verdict.reason });
      return refuseUpgrade(socket, verdict.status, verdict.reason);
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  const forwarders = EVENT_NAMES.map((event) => {
    const listener = (payload: unknown) => forwardEvent(event, payload);
    options.events.on(event, listener);
    return { event, listener };
  });
  function forwardEvent(event: EventName, payload: unknown): void {
    const parsed = EVENTS[event].safeParse(payload);
    if (!parsed.success) return log('event dropped: breaks the contract', { event, issue: parsed.error.issues[0]?.message });
    const text = encodeFrame({ t: 'event', event, payload: parsed.data });
    for (const client of wss.clients) sendText(client, text);
  }

  return {
    port,
    origin,
    token,
    url: `${origin}/#token=${token}`,
    async close() {
      for (const { event, listener } of forwarders) options.events.off(event, listener);
      for (const client of wss.clients) client.close(WIRE_CLOSE.shuttingDown, 'host shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 421: 'Misdirected Request' };

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Refused'}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
  );
}
