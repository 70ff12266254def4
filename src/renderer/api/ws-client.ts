// The browser target's side of the API: AegeesApi over the host's loopback WebSocket.
// Written against a minimal socket interface and without DOM types, so the same code runs
// in the page and, in unit tests, against the real host from Node.
import { EVENTS, METHODS, type AegeesApi, type EventName, type EventPayload, type MethodName, type MethodResult } from '../../common/api/contract.js';
import { fromApiError } from '../../common/api/errors.js';
import { isEventName } from '../../common/api/transport.js';
import { HostFrame, WIRE_PROTOCOL, WIRE_TOKEN_PREFIX, decodeFrame, encodeFrame } from '../../common/api/wire.js';
import { AegeesError } from '../../common/errors.js';

export interface SocketLike {
  readonly readyState: number;
  send(text: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type SocketFactory = (url: string, protocols: string[]) => SocketLike;

export interface WsClientOptions {
  /** ws://127.0.0.1:PORT/api */
  url: string;
  token: string;
  connect: SocketFactory;
  /** Called with true when the connection is up and false while it is being re-established. */
  onConnectionChange?: (connected: boolean) => void;
}

const OPEN = 1;
const RETRY_DELAYS_MS = [250, 500, 1000, 2000, 5000];

interface Pending {
  method: MethodName;
  resolve: (value: unknown) => void;
  reject: (error: AegeesError) => void;
}

export function createWsClient(options: WsClientOptions): AegeesApi & { close(): void } {
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  const outbox: string[] = [];
  let nextId = 1;
  let socket: SocketLike | null = null;
  let attempt = 0;
  let closed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  function open(): void {
    const current = options.connect(options.url, [WIRE_PROTOCOL, WIRE_TOKEN_PREFIX + options.token]);
    socket = current;
    current.onopen = () => {
      attempt = 0;
      options.onConnectionChange?.(true);
      for (const text of outbox.splice(0)) current.send(text);
    };
    current.onmessage = (event) => {
      if (typeof event.data === 'string') receive(event.data);
    };
    current.onerror = () => {};
    current.onclose = () => {
      if (socket !== current) return;
      socket = null;
      // A call in flight may or may not have run; the caller decides whether to repeat it.
      failAll(new AegeesError('INTERNAL', 'the connection to Aegees was lost'));
      if (closed) return;
      options.onConnectionChange?.(false);
      const delay = RETRY_DELAYS_MS[Math.min(attempt++, RETRY_DELAYS_MS.length - 1)];
      retryTimer = setTimeout(open, delay);
    };
  }

  function failAll(error: AegeesError): void {
    for (const call of pending.values()) call.reject(error);
    pending.clear();
    outbox.length = 0;
  }

  function receive(text: string): void {
    let frame: HostFrame;
    try {
      const parsed = HostFrame.safeParse(decodeFrame(text));
      if (!parsed.success) return;
      frame = parsed.data;
    } catch {
      return;
    }
    if (frame.t === 'event') return deliverEvent(frame.event, frame.payload);
    if (frame.t === 'error') return;
    const call = pending.get(frame.id);
    if (!call) return;
    pending.delete(frame.id);
    if (frame.t === 'fail') return call.reject(fromApiError(frame.error));
    const result = METHODS[call.method].output.safeParse(frame.result);
    if (result.success) call.resolve(result.data);
    else call.reject(new AegeesError('MALFORMED', `${call.method}: the host answered outside the contract`));
  }

  function deliverEvent(name: string, payload: unknown): void {
    if (!isEventName(name)) return;
    const parsed = EVENTS[name].safeParse(payload);
    if (!parsed.success) return;
    for (const listener of listeners.get(name) ?? []) {
      try {
        listener(parsed.data);
      } catch {
        // One faulty listener must not stop the others from hearing the event.
      }
    }
  }

  open();

  return {
    call<M extends MethodName>(method: M, args: unknown): Promise<MethodResult<M>> {
      if (closed) return Promise.reject(new AegeesError('INTERNAL', 'the API client is closed'));
      const id = nextId++;
      let text: string;
      try {
        text = encodeFrame({ t: 'call', id, method, args });
      } catch (error) {
        return Promise.reject(error instanceof AegeesError ? error : new AegeesError('INVALID_ARGUMENT', `${method}: arguments cannot be sent`));
      }
      return new Promise<MethodResult<M>>((resolve, reject) => {
        pending.set(id, { method, resolve: resolve as (value: unknown) => void, reject });
        if (socket?.readyState === OPEN) socket.send(text);
        else outbox.push(text);
      });
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const wrapped = listener as (payload: unknown) => void;
      set.add(wrapped);
      return () => void set.delete(wrapped);
    },
    close() {
      closed = true;
      clearTimeout(retryTimer);
      failAll(new AegeesError('INTERNAL', 'the API client is closed'));
      socket?.close(1000, 'closed');
    },
  };
}
