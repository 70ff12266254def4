// The Electron main process. It only wires Electron to small modules beside it (each tested
// without Electron in test/unit/main) and routes: the messenger engine runs in its own
// process (engine-process.ts), so this event loop draws the window, answers IPC and shows
// notifications while attachments are encrypted and a backlog is caught up elsewhere.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BrowserWindow,
  Menu,
  Notification,
  app,
  dialog,
  ipcMain,
  protocol,
  session,
  shell,
  utilityProcess,
  type MessageBoxOptions,
} from 'electron';
import type { ApiHandlers, EventName, EventPayload } from '../common/api/contract.js';
import { defaultProfileDir } from '../host/start-support.js';
import { APP_ENTRY_URL, APP_SCHEME, APP_SCHEME_PRIVILEGES } from './app-origin.js';
import { createAppProtocolHandler } from './app-protocol.js';
import { spawnNodeEngine, startEngine, utilityEngine, type EngineHandle, type EngineProcess } from './engine-process.js';
import { createExternalLinkOpener } from './external-links.js';
import { registerIpcBridge } from './ipc-bridge.js';
import { isTrustedSender, senderOf } from './ipc-guard.js';
import { downloadAllowed, lockDownWebContents, originOf, permissionAllowed } from './lockdown.js';
import { createMessageNotifier, type NotificationText } from './notifications.js';
import { parseShellArgs, shellDataDirFor } from './shell-args.js';
import { UnreadTally, windowTitle } from './unread-badge.js';
import { createMainWindow } from './window-options.js';

/** dist/electron: main.cjs, preload.cjs and engine.cjs are bundled side by side (scripts/build-electron.mjs). */
const HERE = fileURLToPath(new URL('.', import.meta.url));
const RENDERER_DIR = join(HERE, '..', 'renderer');
/** Closing the profile flushes the database and says goodbye to relays; a hung engine is stopped after this. */
const ENGINE_SHUTDOWN_GRACE_MS = 15_000;
const APP_USER_MODEL_ID = 'org.aegees.desktop';

function log(message: string, fields?: Record<string, unknown>): void {
  console.error(`aegees: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
}

// Both must happen before the app is ready.
protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
app.enableSandbox();

// Positionals (the main script, unpackaged) are ignored, so argv is read whole after the executable.
const args = parseShellArgs(process.argv.slice(1), app.isPackaged);
if (args.profileDir) app.setPath('userData', shellDataDirFor(args.profileDir));
const profileDir = args.profileDir ?? defaultProfileDir();

// The lock lives in userData, so it is one window per profile.
if (app.requestSingleInstanceLock()) run();
else app.quit();

function run(): void {
  let window: BrowserWindow | undefined;
  let engine: EngineHandle | undefined;
  let quitting: 'no' | 'closing-engine' | 'done' = 'no';
  let shown: Notification | undefined;
  const tally = new UnreadTally();

  const notifier = createMessageNotifier({
    isWindowFocused: () => window?.isFocused() ?? false,
    settings: () => requireEngine().client.handlers.getSettings({}),
    show: (text) => showNotification(text),
  });
  const openLink = createExternalLinkOpener({
    confirm: async (url) => {
      const options: MessageBoxOptions = {
        type: 'question',
        buttons: ['Cancel', 'Open in browser'],
        defaultId: 0,
        cancelId: 0,
        noLink: true,
        title: 'Open link',
        message: `Open this link to ${url.host} in your web browser?`,
        detail: url.href,
      };
      const { response } = window ? await dialog.showMessageBox(window, options) : await dialog.showMessageBox(options);
      return response === 1;
    },
    open: (url) => shell.openExternal(url),
  });

  function requireEngine(): EngineHandle {
    if (!engine) throw new Error('the engine is not running');
    return engine;
  }

  function showWindow(): void {
    if (!window) return createWindow();
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  }

  function showNotification(text: NotificationText): void {
    if (!Notification.isSupported()) return;
    shown?.close();
    shown = new Notification({ title: text.title, body: text.body });
    shown.on('click', showWindow);
    shown.show();
  }

  function showUnread(): void {
    app.setBadgeCount(tally.total);
    window?.setTitle(windowTitle(tally.total));
  }

  async function refreshUnread(handlers: ApiHandlers): Promise<void> {
    try {
      tally.reset(await handlers.listConversations({}));
    } catch {
      // No account yet, or the profile did not open: nothing is unread.
      tally.reset([]);
    }
    showUnread();
  }

  function createWindow(): void {
    const win = createMainWindow(BrowserWindow, { preload: join(HERE, 'preload.cjs'), devTools: !app.isPackaged });
    window = win;
    // The title carries the unread count; the page's <title> does not replace it.
    win.on('page-title-updated', (event) => event.preventDefault());
    win.setTitle(windowTitle(tally.total));
    win.once('ready-to-show', () => win.show());
    win.on('focus', () => {
      notifier.windowFocused();
      shown?.close();
    });
    win.on('closed', () => {
      if (window === win) window = undefined;
    });
    win.loadURL(APP_ENTRY_URL).catch((error: unknown) => log('the page did not load', { error: String(error) }));
  }

  function spawnEngine(): EngineProcess {
    const entry = join(HERE, 'engine.cjs');
    const engineArgs = ['--profile', profileDir];
    // Unpackaged, a profile without relays gets the browser target's local relay (run from source).
    if (args.engineNode) return spawnNodeEngine({ node: args.engineNode, entry, args: [...engineArgs, '--local-relay'] });
    return utilityEngine(utilityProcess.fork(entry, engineArgs, { serviceName: 'Aegees engine', stdio: 'inherit' }));
  }

  function engineStopped(code: number | null): void {
    log('the engine process stopped', { code });
    dialog.showErrorBox(
      'Aegees stopped',
      `The part of Aegees that holds your keys and messages stopped unexpectedly (exit code ${code}). Nothing was lost; start Aegees again.` +
        (app.isPackaged ? '' : '\n\nAn unpackaged build runs it with the system Node: start it with npm start, which passes --engine-node.'),
    );
    quitting = 'done';
    app.quit();
  }

  function ready(): void {
    if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
    const appSession = session.defaultSession;
    appSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
      callback(permissionAllowed(permission, details.requestingUrl, details.isMainFrame)),
    );
    appSession.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
      permissionAllowed(permission, details.requestingUrl ?? requestingOrigin, details.isMainFrame),
    );
    appSession.on('will-download', (event, item) => {
      if (downloadAllowed(item.getURL())) return;
      event.preventDefault();
      log('download refused', { from: originOf(item.getURL()) });
    });
    protocol.handle(APP_SCHEME, createAppProtocolHandler(RENDERER_DIR));
    // Linux and Windows need no menu (editing shortcuts work without one); macOS needs the
    // Edit menu for them. No menu offers reload or developer tools.
    Menu.setApplicationMenu(process.platform === 'darwin' ? Menu.buildFromTemplate([{ role: 'appMenu' }, { role: 'editMenu' }, { role: 'windowMenu' }]) : null);

    const started = startEngine(spawnEngine(), log, engineStopped);
    engine = started;
    const handlers: ApiHandlers = {
      ...started.client.handlers,
      // Opening a browser is the shell's job, with its own confirmation; the engine never sees links.
      openExternalLink: async ({ url }) => {
        await openLink(url);
        return { ok: true };
      },
    };
    registerIpcBridge({
      ipcMain,
      handlers,
      events: started.client.events,
      target: () => window?.webContents,
      isTrustedSender: (event) => isTrustedSender(senderOf(event), window?.webContents.id),
      onRefused: (channel) => log('IPC call refused', { channel }),
    });
    const on = <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) =>
      started.client.events.on(event, (payload) => listener(payload as EventPayload<E>));
    on('messageAdded', (message) => void notifier.messageAdded(message).catch((error: unknown) => log('notification failed', { error: String(error) })));
    on('conversationUpdated', (conversation) => {
      tally.update(conversation);
      showUnread();
    });
    on('profileChanged', () => void refreshUnread(handlers));
    void refreshUnread(handlers);
    createWindow();
  }

  app.on('second-instance', showWindow);
  app.on('web-contents-created', (_event, contents) => lockDownWebContents(contents, log));
  app.on('window-all-closed', () => {
    // macOS keeps an app without windows running (and notifying) until it is quit.
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (app.isReady()) showWindow();
  });
  app.on('before-quit', (event) => {
    if (quitting === 'done' || !engine) return;
    event.preventDefault();
    if (quitting === 'closing-engine') return;
    quitting = 'closing-engine';
    void engine.shutdown(ENGINE_SHUTDOWN_GRACE_MS).then((code) => {
      if (code !== 0) log('the engine did not close cleanly', { code });
      quitting = 'done';
      app.quit();
    });
  });
  // Ctrl+C in the terminal that started us: the same clean shutdown as closing the window.
  process.on('SIGINT', () => app.quit());
  process.on('SIGTERM', () => app.quit());

  app.whenReady().then(ready, (error: unknown) => {
    log('Electron did not start', { error: String(error) });
    app.exit(1);
  });
}
