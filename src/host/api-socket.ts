// One WebSocket connection of the browser target: every text frame is decoded, validated
// as a call, dispatched through the contract, and answered. A frame that cannot be read
// gets an error frame; the connection and the host keep serving.
import { WebSocket, type RawData } from 'ws';
import type { ApiHandlers } from '../common/api/contract.js';
import { dispatch } from '../common/api/dispatch.js';
import { toApiError, type ApiErrorPayload } from '../common/api/errors.js';
import { CallFrame, WIRE_CLOSE, decodeFrame, encodeFrame, type HostFrame } from '../common/api/wire.js';

/** Past this much unsent data the page is not reading; closing beats buffering without bound. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

export type HostLog = (message: string, fields?: Record<string, unknown>) => void;

export function serveApiSocket(socket: WebSocket, handlers: ApiHandlers, log: HostLog): void {
  socket.on('error', (error) => log('websocket error', { error: error.message }));
  socket.on('message', (data, isBinary) => {
    if (isBinary) return sendFrame(socket, { t: 'error', error: malformed('binary frames are not accepted') });
    let raw: unknown;
    try {
      raw = decodeFrame(rawText(data));
    } catch (error) {
      return sendFrame(socket, { t: 'error', error: toApiError(error) });
    }
    const call = CallFrame.safeParse(raw);
    if (!call.success) {
      const id = usableId(raw);
      const error = malformed(`malformed call frame: ${call.error.issues[0]?.message ?? 'invalid'}`);
      return sendFrame(socket, id === undefined ? { t: 'error', error } : { t: 'fail', id, error });
    }
    const { id, method, args } = call.data;
    void dispatch(handlers, method, args).then((outcome) =>
      sendFrame(socket, outcome.ok ? { t: 'ok', id, result: outcome.result } : { t: 'fail', id, error: outcome.error }),
    );
  });
}

/** Sends already-encoded text to one client, closing it instead when it stopped reading. */
export function sendText(socket: WebSocket, text: string): void {
  if (socket.readyState !== WebSocket.OPEN) return;
  if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return socket.close(WIRE_CLOSE.tooSlow, 'client too slow');
  socket.send(text);
}

function sendFrame(socket: WebSocket, frame: HostFrame): void {
  let text: string;
  try {
    text = encodeFrame(frame);
  } catch (error) {
    const fallback = toApiError(error);
    text = encodeFrame(frame.t === 'ok' || frame.t === 'fail' ? { t: 'fail', id: frame.id, error: fallback } : { t: 'error', error: fallback });
  }
  sendText(socket, text);
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/** The id of a frame that failed validation, when it has one, so the caller's promise settles. */
function usableId(raw: unknown): number | undefined {
  if (typeof raw !== 'object' || raw === null || !('id' in raw)) return undefined;
  const id = raw.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : undefined;
}

function malformed(message: string): ApiErrorPayload {
  return { code: 'MALFORMED', message };
}
