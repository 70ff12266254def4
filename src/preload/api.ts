// The preload's half of the Electron transport: AegeesApi over ipcRenderer. Results and
// event payloads are validated against the contract here, before the page sees them.
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import { EVENTS, METHODS, type AegeesApi, type EventName, type EventPayload, type MethodName, type MethodResult } from '../common/api/contract.js';
import { ApiErrorPayload } from '../common/api/errors.js';
import { encodeBridgeError, ipcEventChannel, ipcMethodChannel } from '../common/api/transport.js';
import type { DispatchOutcome } from '../common/api/dispatch.js';

type Ipc = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

export function createPreloadApi(ipc: Ipc): AegeesApi {
  return {
    async call<M extends MethodName>(method: M, args: unknown): Promise<MethodResult<M>> {
      // The name is checked here too: the page could pass any string, and only contract channels exist.
      if (!Object.hasOwn(METHODS, method)) throw new Error(encodeBridgeError({ code: 'UNKNOWN_METHOD', message: `unknown method ${String(method).slice(0, 64)}` }));
      const outcome = (await ipc.invoke(ipcMethodChannel(method), args)) as DispatchOutcome | undefined;
      if (outcome?.ok === true) {
        const result = METHODS[method].output.safeParse(outcome.result);
        if (result.success) return result.data as MethodResult<M>;
        throw new Error(encodeBridgeError({ code: 'MALFORMED', message: `${method}: the main process answered outside the contract` }));
      }
      const error = ApiErrorPayload.safeParse(outcome?.ok === false ? outcome.error : undefined);
      throw new Error(encodeBridgeError(error.success ? error.data : { code: 'INTERNAL', message: 'internal error' }));
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      if (!Object.hasOwn(EVENTS, event)) return () => {};
      const schema = EVENTS[event];
      // The IPC event object (sender, ports) stays in the preload; the page gets the payload only.
      const relay = (_event: IpcRendererEvent, payload: unknown) => {
        const parsed = schema.safeParse(payload);
        if (parsed.success) listener(parsed.data as EventPayload<E>);
      };
      ipc.on(ipcEventChannel(event), relay);
      return () => void ipc.removeListener(ipcEventChannel(event), relay);
    },
  };
}
