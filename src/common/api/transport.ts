// What both transports (Electron IPC and the loopback WebSocket) share besides the
// contract itself: IPC channel names, how a typed error survives Electron's contextBridge,
// and the shape of the event source the key-holding side provides.
import { EVENTS, METHODS, type EventName, type MethodName } from './contract.js';
import { ApiErrorPayload, fromApiError } from './errors.js';
import { AegeesError } from '../errors.js';

export function isEventName(value: unknown): value is EventName {
  return typeof value === 'string' && Object.hasOwn(EVENTS, value);
}

export const METHOD_NAMES = Object.keys(METHODS) as MethodName[];
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];

/** One invoke channel per method and one send channel per event, so the main process can register exactly the contract. */
export const ipcMethodChannel = (method: MethodName): string => `aegees:call:${method}`;
export const ipcEventChannel = (event: EventName): string => `aegees:event:${event}`;

/**
 * The event side of the key-holding process (the messenger engine). A Node EventEmitter
 * emitting the EVENTS names satisfies it; transports validate every payload before
 * forwarding, so a faulty emitter cannot put malformed data in front of the UI.
 */
export interface ApiEventSource {
  on(event: EventName, listener: (payload: unknown) => void): unknown;
  off(event: EventName, listener: (payload: unknown) => void): unknown;
}

// contextBridge copies only the message of a rejected Error, so the preload carries the
// typed error inside the message and the renderer rebuilds it.
const BRIDGE_ERROR_PREFIX = 'aegees-error:';

export function encodeBridgeError(error: ApiErrorPayload): string {
  return BRIDGE_ERROR_PREFIX + JSON.stringify(error);
}

/** Rebuilds the AegeesError behind anything a transport rejected with; unknown failures become INTERNAL. */
export function toAegeesError(error: unknown): AegeesError {
  if (error instanceof AegeesError) return error;
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  const at = message.indexOf(BRIDGE_ERROR_PREFIX);
  if (at >= 0) {
    try {
      return fromApiError(JSON.parse(message.slice(at + BRIDGE_ERROR_PREFIX.length)));
    } catch {
      return fromApiError(undefined);
    }
  }
  if (error !== null && typeof error === 'object' && ApiErrorPayload.safeParse(error).success) return fromApiError(error);
  return new AegeesError('INTERNAL', 'internal error');
}
