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
  /** The window whose page receives events. */
  webContents: Pick<WebContents, 'send' | 'isDestroyed'>;
  /** True only for our own top-level page (checked on every call: frames can navigate). */
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean;
}

/** Registers the bridge; the returned function removes every handler and listener again. */
export function registerIpcBridge(options: IpcBridgeOptions): () => void {
  for (const method of METHOD_NAMES) {
    options.ipcMain.handle(ipcMethodChannel(method), async (event, args: unknown): Promise<DispatchOutcome> => {
      if (!options.isTrustedSender(event)) return { ok: false, error: { code: 'INTERNAL', message: 'caller not allowed' } };
      return dispatch(options.handlers, method, args);
    });
  }
  const forwarders = EVENT_NAMES.map((name) => {
    const listener = (payload: unknown) => {
      const parsed = EVENTS[name].safeParse(payload);
      if (parsed.success && !options.webContents.isDestroyed()) options.webContents.send(ipcEventChannel(name), parsed.data);
    };
    options.events.on(name, listener);
    return { name, listener };
  });
  return () => {
    for (const method of METHOD_NAMES) options.ipcMain.removeHandler(ipcMethodChannel(method));
    for (const { name, listener } of forwarders) options.events.off(name, listener);
  };
}
