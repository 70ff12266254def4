// Answers and refusals. Every refusal is a JSON ErrorResponse with a stable code; the
// status and the code together are specified in docs/PROTOCOL.md §7.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorResponse, RelayErrorCode } from '../../common/relay-protocol.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: RelayErrorCode,
    message: string,
    readonly details: Omit<ErrorResponse['error'], 'code' | 'message'> = {},
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function errorBody(error: HttpError): ErrorResponse {
  return { error: { code: error.code, message: error.message, ...error.details } };
}

function errorHeaders(error: HttpError, bodyUnread: boolean): Record<string, string> {
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['Retry-After'] = String(Math.max(1, Math.ceil(error.retryAfterSeconds)));
  // Refusing before reading a body: close rather than read (and discard) what the client still sends.
  if (bodyUnread) headers.Connection = 'close';
  return headers;
}

export function sendError(req: IncomingMessage, res: ServerResponse, error: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, error.status, errorBody(error), errorHeaders(error, !req.readableEnded));
}

/** Refuses a WebSocket upgrade on the raw socket, before any WebSocket exists. */
export function refuseUpgrade(socket: Duplex, error: HttpError): void {
  const text = JSON.stringify(errorBody(error));
  const headers = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    ...errorHeaders(error, true),
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(`HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n${head}\r\n${text}`);
}
