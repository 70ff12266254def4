// The IPC guard and the bridge: only our own window's top frame on aegees://app may call,
// and only with arguments the contract accepts; a refused call never reaches the engine.
import { EventEmitter } from 'node:events';
import type { IpcMainInvokeEvent } from 'electron';
import { describe, expect, it, vi } from 'vitest';
import type { ApiHandlers, Contact } from '../../../src/common/api/contract.js';
import type { DispatchOutcome } from '../../../src/common/api/dispatch.js';
import { METHOD_NAMES, ipcEventChannel, ipcMethodChannel } from '../../../src/common/api/transport.js';
import { registerIpcBridge } from '../../../src/main/ipc-bridge.js';
import { isTrustedSender, senderOf, type IpcSender } from '../../../src/main/ipc-guard.js';

const WINDOW_ID = 7;
const APP_PAGE = 'aegees://app/index.html';

function sender(url: string, options: { webContentsId?: number; isTop?: boolean } = {}): IpcSender {
  return { webContentsId: options.webContentsId ?? WINDOW_ID, frame: { url, isTop: options.isTop ?? true } };
}

/** The parts of Electron's invoke event the guard reads. */
function invokeEvent(url: string | null, options: { webContentsId?: number; parent?: object | null } = {}): IpcMainInvokeEvent {
  const frame = url === null ? null : { url, parent: options.parent ?? null };
  return { sender: { id: options.webContentsId ?? WINDOW_ID }, senderFrame: frame } as unknown as IpcMainInvokeEvent;
}

describe('isTrustedSender', () => {
  it("allows the top frame of the app window on the app's own origin", () => {
    expect(isTrustedSender(sender(APP_PAGE), WINDOW_ID)).toBe(true);
    expect(isTrustedSender(sender('aegees://app/'), WINDOW_ID)).toBe(true);
  });

  it.each([
    ['a web page', 'https://evil.example/'],
    ['a loopback page', 'http://127.0.0.1:8080/'],
    ['a local file', 'file:///home/ada/index.html'],
    ['another host on our scheme', 'aegees://evil/index.html'],
    ['a look-alike host', 'aegees://app.evil.example/index.html'],
    ['userinfo before our host', 'aegees://evil@app/index.html'],
    ['a port on our host', 'aegees://app:1234/index.html'],
    ['about:blank', 'about:blank'],
    ['a data URL', 'data:text/html,<script>1</script>'],
    ['a blob URL', 'blob:aegees://app/6b0c3bde-2a5f-4b8d-9a39-1d9c0a1f0e11'],
    ['no URL', ''],
  ])('refuses %s', (_what, url) => {
    expect(isTrustedSender(sender(url), WINDOW_ID)).toBe(false);
  });

  it('refuses a subframe, even one on our origin', () => {
    expect(isTrustedSender(sender(APP_PAGE, { isTop: false }), WINDOW_ID)).toBe(false);
  });

  it('refuses another web contents, a frame that is gone, and any caller while there is no window', () => {
    expect(isTrustedSender(sender(APP_PAGE, { webContentsId: WINDOW_ID + 1 }), WINDOW_ID)).toBe(false);
    expect(isTrustedSender({ webContentsId: WINDOW_ID, frame: null }, WINDOW_ID)).toBe(false);
    expect(isTrustedSender(sender(APP_PAGE), undefined)).toBe(false);
  });

  it("reads the caller from Electron's event: a frame with a parent is not the top frame", () => {
    expect(senderOf(invokeEvent(APP_PAGE))).toEqual({ webContentsId: WINDOW_ID, frame: { url: APP_PAGE, isTop: true } });
    expect(senderOf(invokeEvent(APP_PAGE, { parent: {} })).frame?.isTop).toBe(false);
    expect(senderOf(invokeEvent(null)).frame).toBeNull();
  });
});

const CONTACT: Contact = { accountId: 'aa01', displayName: 'Ada', state: 'accepted', verified: false, deviceCount: 1 };

function bridge() {
  const channels = new Map<string, (event: IpcMainInvokeEvent, args: unknown) => Promise<DispatchOutcome>>();
  const ipcMain = {
    handle: (channel: string, listener: (event: IpcMainInvokeEvent, args: unknown) => Promise<DispatchOutcome>) => void channels.set(channel, listener),
    removeHandler: (channel: string) => void channels.delete(channel),
  };
  const calls: [string, unknown][] = [];
  const handlers = new Proxy({} as ApiHandlers, {
    get: (_target, name) => async (args: unknown) => {
      calls.push([String(name), args]);
      return name === 'listContacts' ? [CONTACT] : { ok: true };
    },
  });
  const events = new EventEmitter();
  const sent: [string, unknown][] = [];
  let windowOpen = true;
  const target = { send: (channel: string, payload: unknown) => void sent.push([channel, payload]), isDestroyed: () => false };
  const refused = vi.fn();
  const dispose = registerIpcBridge({
    ipcMain: ipcMain as never,
    handlers,
    events,
    target: () => (windowOpen ? target : undefined),
    isTrustedSender: (event) => isTrustedSender(senderOf(event), WINDOW_ID),
    onRefused: refused,
  });
  const invoke = (method: string, args: unknown, event = invokeEvent(APP_PAGE)) => channels.get(`aegees:call:${method}`)!(event, args);
  return { channels, calls, events, sent, refused, dispose, invoke, closeWindow: () => (windowOpen = false) };
}

describe('IPC bridge', () => {
  it('registers exactly one invoke channel per contract method', () => {
    const { channels } = bridge();
    expect([...channels.keys()].sort()).toEqual(METHOD_NAMES.map(ipcMethodChannel).sort());
  });

  it.each([
    ['another site in a frame of the window', invokeEvent('https://evil.example/', { parent: {} })],
    ['a page the window was navigated to', invokeEvent('https://evil.example/')],
    ['another web contents', invokeEvent(APP_PAGE, { webContentsId: 99 })],
    ['a frame that is already gone', invokeEvent(null)],
  ])('refuses %s before anything runs', async (_what, event) => {
    const { invoke, calls, refused } = bridge();
    await expect(invoke('listContacts', {}, event)).resolves.toEqual({ ok: false, error: { code: 'INTERNAL', message: 'caller not allowed' } });
    expect(calls).toEqual([]);
    expect(refused).toHaveBeenCalledWith('aegees:call:listContacts');
  });

  it.each([
    ['a missing argument', 'markRead', {}],
    ['an id that is not an id', 'markRead', { conversationId: '../../etc/passwd' }],
    ['an unknown extra key', 'markRead', { conversationId: 'c1', admin: true }],
    ['a blank name', 'createAccount', { displayName: '   ' }],
    ['a too long message', 'sendMessage', { conversationId: 'c1', text: 'x'.repeat(64_001) }],
    ['an attachment that is not bytes', 'sendMessage', { conversationId: 'c1', text: '', attachments: [{ name: 'a', mime: 'text/plain', data: 'AAAA' }] }],
    ['a relay URL with a scheme outside the list', 'addRelay', { url: 'javascript:alert(1)', identityKey: 'a'.repeat(64) }],
    ['not an object at all', 'listContacts', 'please'],
  ])('refuses %s from our own page without reaching the engine', async (_what, method, args) => {
    const { invoke, calls } = bridge();
    const outcome = await invoke(method, args);
    expect(outcome).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(calls).toEqual([]);
  });

  it('passes valid arguments from our own page and returns the validated result', async () => {
    const { invoke, calls } = bridge();
    await expect(invoke('listContacts', {})).resolves.toEqual({ ok: true, result: [CONTACT] });
    await expect(invoke('markRead', { conversationId: 'c1' })).resolves.toEqual({ ok: true, result: { ok: true } });
    expect(calls).toEqual([
      ['listContacts', {}],
      ['markRead', { conversationId: 'c1' }],
    ]);
  });

  it('sends the window only contract-valid events, and nothing while there is no window', () => {
    const { events, sent, closeWindow } = bridge();
    events.emit('contactsChanged', [CONTACT]);
    events.emit('contactsChanged', [{ accountId: 42 }]);
    closeWindow();
    events.emit('contactsChanged', [CONTACT]);
    expect(sent).toEqual([[ipcEventChannel('contactsChanged'), [CONTACT]]]);
  });

  it('removes every handler and listener when disposed', () => {
    const { channels, events, dispose } = bridge();
    dispose();
    expect(channels.size).toBe(0);
    expect(events.eventNames()).toEqual([]);
  });
});
