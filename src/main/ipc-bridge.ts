// The main-process half of the Electron transport: one ipcMain handler per contract method,
// each going through dispatch (validation both ways), and contract events sent to the
// window after validation. Which frames may call is the caller's decision (isTrustedSender).
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { EVENTS, type ApiHandlers } from '../common/api/contract.js';
import { dispatch, type DispatchOutcome } from '../common/api/dispatch.js';
import { EVENT_NAMES, METHOD_NAMES, ipcEventChannel, ipcMethodChannel, type ApiEventSource } from '../common/api/transport.js';

export interface IpcBridgeOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  handlers: ApiHandlers;
  events: ApiEventSource;
  /** The page that receives events: the app window's, while there is one (macOS keeps the app without windows). */
  target: () => Pick<WebContents, 'send' | 'isDestroyed'> | undefined;
  /** True only for our own top-level page (checked on every call: frames can navigate). */
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean;
  /** Told about every refused caller. */
  onRefused?: (channel: string) => void;
}

/** Registers the bridge; the returned function removes every handler and listener again. */
export function registerIpcBridge(options: IpcBridgeOptions): () => void {
  for (const method of METHOD_NAMES) {
    const channel = ipcMethodChannel(method);
    options.ipcMain.handle(channel, async (event, args: unknown): Promise<DispatchOutcome> => {
      if (!options.isTrustedSender(event)) {
        options.onRefused?.(channel);
        return { ok: false, error: { code: 'INTERNAL', message: 'caller not allowed' } };
      }
      return dispatch(options.handlers, method, args);
    });
  }
  const forwarders = EVENT_NAMES.map((name) => {
    const listener = (payload: unknown) => {
      const parsed = EVENTS[name].safeParse(payload);
      const target = options.target();
      if (parsed.success && target && !target.isDestroyed()) target.send(ipcEventChannel(name), parsed.data);
    };
    options.events.on(name, listener);
    return { name, listener };
  });
  return () => {
    for (const method of METHOD_NAMES) options.ipcMain.removeHandler(ipcMethodChannel(method));
    for (const { name, listener } of forwarders) options.events.off(name, listener);
  };
}
