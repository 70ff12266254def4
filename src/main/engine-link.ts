// The link between the Electron main process and the engine process (the messenger engine
// in an Electron utility process, or a Node child in development). Main only routes: the
// engine's crypto, SQLite work, attachment streams and backlog catch-up never run on the
// event loop that draws windows and answers IPC.
//
// Messages are structured clones (Electron's MessagePort, Node's "advanced" IPC
// serialization), so attachment bytes cross as Uint8Array without base64. The frames are
// the browser target's wire frames (src/common/api/wire.ts) plus one lifecycle frame, and
// each side validates every frame it receives.
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { EVENTS, type ApiHandlers, type MethodArgs, type MethodName } from '../common/api/contract.js';
import { dispatch } from '../common/api/dispatch.js';
import { fromApiError } from '../common/api/errors.js';
import { EVENT_NAMES, METHOD_NAMES, isEventName, type ApiEventSource } from '../common/api/transport.js';
import { CallFrame, HostFrame } from '../common/api/wire.js';
import { AegeesError } from '../common/errors.js';

/** One end of a message channel; both processes wrap their native port in this. */
export interface EngineLink {
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

/** Main → engine. `shutdown` asks the engine to close the profile (relay connections, database) and exit. */
export const ToEngine = z.discriminatedUnion('t', [CallFrame, z.object({ t: z.literal('shutdown') }).strict()]);
export type ToEngine = z.infer<typeof ToEngine>;

/** Engine → main: results, failures and contract events. */
export const FromEngine = HostFrame;
export type FromEngine = HostFrame;

/** What the engine process serves: the contract on an open profile, and a way to close it. */
export interface EngineService {
  readonly handlers: ApiHandlers;
  readonly events: ApiEventSource;
  close(): Promise<void>;
}

export type LinkLog = (message: string, fields?: Record<string, unknown>) => void;

/**
 * The engine's side: every call goes through the contract's dispatch (arguments and result
 * validated here too, as the engine trusts no other process), every event is forwarded.
 * Resolves once a shutdown request has closed the service.
 */
export function serveEngine(link: EngineLink, service: EngineService, log: LinkLog): Promise<void> {
  for (const event of EVENT_NAMES) service.events.on(event, (payload) => link.send({ t: 'event', event, payload }));
  let closing: Promise<void> | undefined;
  return new Promise<void>((resolve, reject) => {
    link.onMessage((raw) => {
      const parsed = ToEngine.safeParse(raw);
      if (!parsed.success) {
        log('engine: frame refused', { issue: parsed.error.issues[0]?.message });
        return link.send({ t: 'error', error: { code: 'MALFORMED', message: 'frame outside the engine protocol' } });
      }
      const frame = parsed.data;
      if (frame.t === 'shutdown') {
        closing ??= service.close().then(resolve, reject);
        return;
      }
      void dispatch(service.handlers, frame.method, frame.args).then((outcome) =>
        link.send(outcome.ok ? { t: 'ok', id: frame.id, result: outcome.result } : { t: 'fail', id: frame.id, error: outcome.error }),
      );
    });
  });
}

export interface EngineClient {
  /** Every contract method, answered by the engine process. */
  readonly handlers: ApiHandlers;
  /** Contract events from the engine, each validated against the contract before it is emitted. */
  readonly events: ApiEventSource;
  /** Asks the engine to close the profile and exit; the caller waits for the process to end. */
  requestShutdown(): void;
  /** The engine process is gone: pending and later calls fail with INTERNAL. */
  disconnected(reason: string): void;
}

/** Main's side: a call becomes a frame with a fresh id, and its answer settles the promise. */
export function connectEngine(link: EngineLink, log: LinkLog): EngineClient {
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: unknown) => void }>();
  const events = new EventEmitter();
  let nextId = 0;
  let gone: string | undefined;

  link.onMessage((raw) => {
    const parsed = FromEngine.safeParse(raw);
    if (!parsed.success) return log('engine frame refused', { issue: parsed.error.issues[0]?.message });
    const frame = parsed.data;
    switch (frame.t) {
      case 'ok':
      case 'fail': {
        const call = pending.get(frame.id);
        if (!call) return log('engine answered an unknown call', { id: frame.id });
        pending.delete(frame.id);
        if (frame.t === 'ok') call.resolve(frame.result);
        else call.reject(fromApiError(frame.error));
        return;
      }
      case 'event': {
        if (!isEventName(frame.event)) return log('engine sent an unknown event', { event: frame.event });
        const payload = EVENTS[frame.event].safeParse(frame.payload);
        if (!payload.success) return log('engine event breaks the contract', { event: frame.event, issue: payload.error.issues[0]?.message });
        events.emit(frame.event, payload.data);
        return;
      }
      case 'error':
        return log('engine refused a frame', { error: frame.error.message });
    }
  });

  function call(method: MethodName, args: unknown): Promise<unknown> {
    if (gone !== undefined) return Promise.reject(new AegeesError('INTERNAL', gone));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      link.send({ t: 'call', id, method, args });
    });
  }

  const handlers = Object.fromEntries(METHOD_NAMES.map((method) => [method, (args: MethodArgs<typeof method>) => call(method, args)])) as ApiHandlers;
  return {
    handlers,
    events,
    requestShutdown: () => {
      if (gone === undefined) link.send({ t: 'shutdown' });
    },
    disconnected(reason) {
      gone = reason;
      for (const { reject } of pending.values()) reject(new AegeesError('INTERNAL', reason));
      pending.clear();
    },
  };
}
