// src/main/index.ts against a stand-in for the electron module (fixtures/fake-electron.ts):
// what it sets up before and after ready, that IPC, links, events, notifications and the
// badge are wired to the modules tested on their own, and that quitting waits for the
// engine. The real Electron runs it in e2e/electron.spec.ts wherever a runtime exists.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Conversation, Message } from '../../../src/common/api/contract.js';
import { ipcEventChannel } from '../../../src/common/api/transport.js';
import { APP_ENTRY_URL } from '../../../src/main/app-origin.js';
import { APP_HEADERS } from '../../../src/main/app-protocol.js';
import { BrowserWindow, FakeEvent, app, engine, makeReady, record } from './fixtures/fake-electron.js';

vi.mock('electron', () => import('./fixtures/fake-electron.js'));

const root = mkdtempSync(join(tmpdir(), 'aegees-main-wiring-'));
const profileDir = join(root, 'profile');
const argv = process.argv;

function window(): BrowserWindow {
  expect(BrowserWindow.all).toHaveLength(1);
  return BrowserWindow.all[0]!;
}

function invoke(method: string, args: unknown, url = APP_ENTRY_URL, parent: object | null = null): Promise<unknown> {
  const event = { sender: { id: window().webContents.id }, senderFrame: { url, parent } };
  return record.ipc.get(`aegees:call:${method}`)!(event, args);
}

const conversation: Conversation = {
  id: 'c1',
  kind: 'direct',
  title: 'Bob',
  memberAccountIds: ['aa01', 'bb02'],
  strangerNames: {},
  unreadCount: 3,
  lastMessage: null,
  lastActivityAt: 1,
  sendRelay: null,
};

const message: Message = {
  id: 'm1',
  conversationId: 'c1',
  senderAccountId: 'aa01',
  senderName: 'Bob',
  fromMe: false,
  sentAt: 1,
  receivedAt: 2,
  text: 'the launch codes are 1234',
  attachments: [],
  status: { state: 'received', storedOn: [], deliveredTo: [], readBy: [] },
};

beforeAll(async () => {
  process.argv = [process.execPath, 'dist/electron/main.cjs', '--profile', profileDir];
  await import('../../../src/main/index.js');
});

afterAll(() => {
  process.argv = argv;
  rmSync(root, { recursive: true, force: true });
});

describe('main process wiring', () => {
  it('before ready: registers the privileged scheme, enables the sandbox, keeps Chromium data beside the profile, then takes the lock', () => {
    expect(record.startup).toEqual(['registerSchemesAsPrivileged', 'enableSandbox', `setPath userData ${profileDir}-electron`, 'requestSingleInstanceLock']);
    expect(record.privilegedSchemes).toEqual([expect.objectContaining({ scheme: 'aegees', privileges: expect.objectContaining({ standard: true, secure: true }) })]);
    expect(record.protocols.size).toBe(0);
    expect(BrowserWindow.all).toHaveLength(0);
  });

  it('when ready: serves the app on its scheme with the CSP, starts the engine, opens the isolated window on the app URL', async () => {
    makeReady();
    await vi.waitFor(() => expect(BrowserWindow.all).toHaveLength(1));
    const response = await record.protocols.get('aegees')!(new Request(APP_ENTRY_URL));
    expect(response.headers.get('content-security-policy')).toBe(APP_HEADERS['Content-Security-Policy']);
    expect(record.forks).toEqual([{ entry: expect.stringMatching(/engine\.cjs$/), args: ['--profile', profileDir] }]);
    expect(window().options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(window().url).toBe(APP_ENTRY_URL);
    const granted = vi.fn();
    record.permissionRequest!({}, 'media', granted, { requestingUrl: APP_ENTRY_URL, isMainFrame: true });
    expect(granted).toHaveBeenCalledWith(false);
  });

  it("routes IPC from the window's top frame to the engine and refuses other callers", async () => {
    await expect(invoke('listContacts', {})).resolves.toEqual({ ok: true, result: engine.contacts });
    await expect(invoke('listContacts', {}, 'https://evil.example/')).resolves.toMatchObject({ ok: false, error: { message: 'caller not allowed' } });
    await expect(invoke('listContacts', {}, APP_ENTRY_URL, {})).resolves.toMatchObject({ ok: false, error: { message: 'caller not allowed' } });
    await expect(invoke('markRead', { conversationId: '../x' })).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('opens an https link only after the dialog of the main process says yes', async () => {
    record.dialogAnswer = 0;
    await expect(invoke('openExternalLink', { url: 'https://example.org/a' })).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(record.opened).toEqual([]);
    record.dialogAnswer = 1;
    await expect(invoke('openExternalLink', { url: 'https://example.org/a' })).resolves.toEqual({ ok: true, result: { ok: true } });
    expect(record.opened).toEqual(['https://example.org/a']);
    // Shown as a sheet of the app window, with the full address.
    expect(record.dialogs.at(-1)![0]).toBe(window());
    expect(record.dialogs.at(-1)![1]).toMatchObject({ detail: 'https://example.org/a' });
    const dialogsSoFar = record.dialogs.length;
    await expect(invoke('openExternalLink', { url: 'http://example.org/' })).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect(record.dialogs).toHaveLength(dialogsSoFar);
  });

  it('forwards engine events to the window and keeps the unread badge and title', async () => {
    engine.events.emit('conversationUpdated', conversation);
    await vi.waitFor(() => expect(window().title).toBe('Aegees (3 unread)'));
    expect(record.badge.at(-1)).toBe(3);
    expect(window().webContents.sent).toContainEqual([ipcEventChannel('conversationUpdated'), conversation]);
    engine.events.emit('conversationUpdated', { ...conversation, unreadCount: 0 });
    await vi.waitFor(() => expect(window().title).toBe('Aegees'));
  });

  it('notifies about a message in the background, without its text when previews are off', async () => {
    engine.settings = { ...engine.settings, notificationPreviews: false };
    engine.events.emit('messageAdded', message);
    await vi.waitFor(() => expect(record.notifications).toEqual([{ title: 'Aegees', body: 'New message' }]));
    window().focused = true;
    window().emit('focus');
    engine.events.emit('messageAdded', { ...message, id: 'm2' });
    await vi.waitFor(() => expect(window().webContents.sent.filter(([channel]) => channel === ipcEventChannel('messageAdded'))).toHaveLength(2));
    expect(record.notifications).toHaveLength(1);
  });

  it('locks down every web contents it creates', () => {
    const contents = Object.assign(new EventEmitter(), { setWindowOpenHandler: vi.fn() });
    app.emit('web-contents-created', new FakeEvent(), contents);
    const navigation = new FakeEvent({ url: 'https://evil.example/' });
    contents.emit('will-navigate', navigation);
    expect(navigation.defaultPrevented).toBe(true);
    expect(contents.setWindowOpenHandler.mock.calls[0]![0]({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
  });

  it('a second launch brings the window forward', () => {
    const before = window().shown;
    app.emit('second-instance');
    expect(window().shown).toBe(before + 1);
  });

  it('quitting waits for the engine to close the profile, then quits for real', async () => {
    app.quit();
    expect(record.quits).toBe(1);
    expect(record.completedQuits).toBe(0);
    await vi.waitFor(() => expect(record.completedQuits).toBe(1));
    expect(record.quits).toBe(2);
    expect(record.engineClosed).toBe(1);
    expect(record.errorBoxes).toEqual([]);
    await expect(invoke('listContacts', {})).resolves.toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});
