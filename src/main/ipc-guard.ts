// Who may call the API over IPC: only the top-level frame of our own window, showing our
// own page. Checked on every call, because the frame that sent it may have navigated (or
// be a subframe) by then; the arguments are then validated against the contract by the
// bridge's dispatch.
import type { IpcMainInvokeEvent } from 'electron';
import { isAppUrl } from './app-origin.js';

/** What the guard needs to know about the caller, read from Electron's event. */
export interface IpcSender {
  readonly webContentsId: number;
  /** Null when the frame is gone (navigated away or destroyed) before the call is handled. */
  readonly frame: { readonly url: string; readonly isTop: boolean } | null;
}

export function senderOf(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>): IpcSender {
  const frame = event.senderFrame;
  return { webContentsId: event.sender.id, frame: frame ? { url: frame.url, isTop: frame.parent === null } : null };
}

/** `windowId` is the webContents id of the app window, or undefined while there is none. */
export function isTrustedSender(sender: IpcSender, windowId: number | undefined): boolean {
  if (windowId === undefined || sender.webContentsId !== windowId) return false;
  if (!sender.frame?.isTop) return false;
  return isAppUrl(sender.frame.url);
}
