// The Electron shell, launched as `npm start` launches it (dist/electron/main.cjs, the engine
// under this Node): the window's isolation, refused navigation and new windows, the CSP
// header, the smoke flow (onboarding, send, receive through a local relay), one window per
// profile, and a clean shutdown. It runs wherever an Electron runtime is installed
// (node_modules/electron/dist, or ELECTRON_OVERRIDE_DIST_PATH); elsewhere it is skipped
// with one line that says so. It never downloads Electron.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { Messenger } from '../src/core/messenger/messenger.js';
import { APP_ENTRY_URL } from '../src/main/app-origin.js';
import { APP_HEADERS } from '../src/main/app-protocol.js';
import { spawnRelay, type RelayProcess } from '../test/support/relay-process.js';
import { goTo, messages, relayMessageIds, send } from './harness.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const MAIN = join(REPO, 'dist/electron/main.cjs');

/** The Electron executable, found the way the electron package finds it, without its download fallback. */
function electronRuntime(): { executable: string } | { missing: string } {
  const pkg = join(REPO, 'node_modules/electron');
  const pathFile = join(pkg, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const executable = override ? join(override, name ?? 'electron') : name ? join(pkg, 'dist', name) : undefined;
  if (!executable) return { missing: 'no node_modules/electron/path.txt, the binary download was skipped (npx install-electron, or set ELECTRON_OVERRIDE_DIST_PATH)' };
  try {
    accessSync(executable, constants.X_OK);
    return { executable };
  } catch {
    return { missing: `${executable} is not an executable file` };
  }
}

const runtime = electronRuntime();

if ('missing' in runtime) {
  // The reason is in the title: the list reporter prints a skipped test as its title, on one line.
  const reason = `Electron runtime not installed here: ${runtime.missing}`;
  test(`Electron shell (skipped: ${reason})`, () => {
    test.skip(true, reason);
  });
} else {
  defineElectronSpecs(runtime.executable);
}

/** A page on another loopback origin that counts the requests it gets. */
async function foreignSite(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((_request, response) => {
    requests += 1;
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>elsewhere</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}/`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Linux without a display gets a private Xvfb; its number comes back on a pipe (-displayfd). */
async function display(): Promise<{ env: NodeJS.ProcessEnv; stop: () => void }> {
  if (process.platform !== 'linux' || process.env.DISPLAY || process.env.WAYLAND_DISPLAY) return { env: {}, stop: () => {} };
  const xvfb: ChildProcess = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const number = await new Promise<string>((resolve, reject) => {
    let text = '';
    xvfb.stdio[3]!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('\n')) resolve(text.trim());
    });
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before it had a display`)));
  });
  return { env: { DISPLAY: `:${number}` }, stop: () => void xvfb.kill() };
}

/** Polls until `find` finds something, and returns it. */
async function eventually<T>(find: () => T | undefined, message: string): Promise<T> {
  await expect.poll(() => find() !== undefined, { message }).toBe(true);
  return find()!;
}

function defineElectronSpecs(executable: string): void {
  test.describe('Electron shell', () => {
    test.describe.configure({ mode: 'serial' });

    const root = mkdtempSync(join(tmpdir(), 'aegees-electron-'));
    const aliceProfile = join(root, 'alice');
    let screen: Awaited<ReturnType<typeof display>>;
    let relay: RelayProcess;
    let bob: Messenger;
    let app: ElectronApplication | undefined;
    let page: Page;
    let foreign: Awaited<ReturnType<typeof foreignSite>>;
    const shellLog: string[] = [];
    // Chromium refuses to start as root with its OS sandbox; CI containers often run as root.
    // The renderer sandbox (sandbox: true, asserted below) is Electron's and stays on.
    const rootArgs = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
    const launchArgs = () => [MAIN, '--profile', aliceProfile, '--engine-node', process.execPath, ...rootArgs];
    const launchEnv = () =>
      Object.fromEntries(Object.entries({ ...process.env, ...screen.env }).filter((entry): entry is [string, string] => entry[1] !== undefined));

    async function shellLogLine(text: string): Promise<void> {
      await expect.poll(() => shellLog.some((line) => line.includes(text)), { message: `shell log line "${text}"` }).toBe(true);
    }

    function running(): ElectronApplication {
      if (!app) throw new Error('the app is not running');
      return app;
    }

    async function windowTitle(): Promise<string> {
      return running().evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.getTitle());
    }

    test.beforeAll(async () => {
      // npm start builds the bundles before it launches; so does the spec (a fraction of a second).
      if (spawnSync(process.execPath, [join(REPO, 'scripts/build-electron.mjs')], { cwd: REPO, stdio: 'inherit' }).status !== 0) {
        throw new Error('scripts/build-electron.mjs failed');
      }
      screen = await display();
      foreign = await foreignSite();
      relay = await spawnRelay({ flags: { 'rate-limit': 0 } });
      // Alice's profile knows the relay before the app first opens it, as the browser
      // target's harness prepares its profiles; her account is created in the UI.
      const seed = await Messenger.open({ profileDir: aliceProfile });
      await seed.addRelay(relay.url, { identityKey: relay.identityKey, inbox: true });
      await seed.close();
      // Bob is the engine alone, in this process: the other end of the conversation.
      bob = await Messenger.open({ profileDir: join(root, 'bob') });
      await bob.addRelay(relay.url, { identityKey: relay.identityKey, inbox: true });
      await bob.createAccount('Bob');
      bob.start();

      app = await electron.launch({ executablePath: executable, args: launchArgs(), env: launchEnv() });
      app.process().stderr?.on('data', (chunk: Buffer) => shellLog.push(...chunk.toString().split('\n')));
      page = await app.firstWindow();
      await expect(page).toHaveURL(APP_ENTRY_URL);
    });

    test.afterAll(async () => {
      await app?.close();
      app = undefined;
      await bob?.close();
      await relay?.stop();
      await foreign?.close();
      screen?.stop();
      if (relay) rmSync(relay.dataDir, { recursive: true, force: true });
      rmSync(root, { recursive: true, force: true });
    });

    test('the window is isolated: context isolation, sandbox, no Node, web security', async () => {
      // getLastWebPreferences is Electron's own (undocumented) record of what the window was created with.
      const preferences = await running().evaluate(({ BrowserWindow }) => {
        const contents = BrowserWindow.getAllWindows()[0]!.webContents as unknown as { getLastWebPreferences?: () => Record<string, unknown> | null };
        if (!contents.getLastWebPreferences) throw new Error('this Electron has no webContents.getLastWebPreferences(); read the preferences another way');
        const { preload: _preload, ...rest } = contents.getLastWebPreferences() ?? {};
        return rest;
      });
      expect(preferences).toMatchObject({
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        webviewTag: false,
      });
      // And as the page sees it: no require, no process, only the contract's two functions.
      const globals = await page.evaluate('({ require: typeof require, process: typeof process, api: Object.keys(window.aegees ?? {}).sort() })');
      expect(globals).toEqual({ require: 'undefined', process: 'undefined', api: ['call', 'on'] });
    });

    test('the page comes with the CSP header, and the page can connect nowhere', async () => {
      const served = await running().evaluate(async ({ net }, url) => {
        const response = await net.fetch(url);
        return { status: response.status, csp: response.headers.get('content-security-policy') };
      }, APP_ENTRY_URL);
      expect(served).toEqual({ status: 200, csp: APP_HEADERS['Content-Security-Policy'] });
      const attempt = await page.evaluate(`fetch(${JSON.stringify(foreign.url)}).then(() => 'fetched', () => 'blocked')`);
      expect(attempt).toBe('blocked');
      expect(foreign.requests()).toBe(0);
    });

    test('navigation away from the app is refused', async () => {
      await page.evaluate(`void (location.href = ${JSON.stringify(foreign.url)})`);
      await shellLogLine('navigation refused');
      expect(page.url()).toBe(APP_ENTRY_URL);
      expect(foreign.requests()).toBe(0);
    });

    test('new windows are refused', async () => {
      expect(await page.evaluate(`window.open(${JSON.stringify(foreign.url)}) === null`)).toBe(true);
      await shellLogLine('new window refused');
      expect(running().windows()).toHaveLength(1);
      expect(foreign.requests()).toBe(0);
    });

    test('smoke: onboarding, then a message each way through the local relay', async () => {
      await expect(page.getByRole('heading', { name: 'Welcome to Aegees' })).toBeVisible();
      await page.getByLabel('Your name, as your contacts will see it').fill('Alice');
      await page.getByRole('button', { name: 'Create account' }).click();
      await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();

      await goTo(page, 'Contacts');
      await page.getByLabel('Their invite code').fill(bob.inviteCode());
      await page.getByRole('button', { name: 'Send contact request' }).click();
      await expect(page.getByText('Request sent to Bob.')).toBeVisible();
      const alice = await eventually(
        () => bob.contacts().find((contact) => contact.displayName === 'Alice' && contact.state === 'request-received'),
        "Alice's request reaches Bob",
      );
      await bob.acceptContact(alice.accountId);
      await expect(page.getByRole('region', { name: 'Your contacts' }).getByRole('button', { name: 'Message Bob' })).toBeVisible();

      const conversation = bob.openDirectConversation(alice.accountId);
      const hello = await bob.sendMessage(conversation.id, { text: 'Hello Alice, this is Bob.' });
      await goTo(page, 'Chats');
      await expect(page.getByRole('button', { name: /^Bob, 1 unread/ })).toBeVisible();
      await expect.poll(windowTitle).toBe('Aegees (1 unread)');

      await page.getByRole('button', { name: /^Bob, 1 unread/ }).click();
      await expect(messages(page, 'Bob').last()).toContainText('Hello Alice, this is Bob.');
      await expect.poll(windowTitle).toBe('Aegees');
      await send(page, 'Bob', 'Hi Bob, Alice here.');
      const reply = await eventually(
        () => bob.history(conversation.id, { limit: 10 }).messages.find((message) => message.body === 'Hi Bob, Alice here.'),
        "Alice's reply reaches Bob",
      );

      const held = relayMessageIds(relay);
      expect(held.has(Buffer.from(hello.id).toString('hex'))).toBe(true);
      expect(held.has(Buffer.from(reply.id).toString('hex'))).toBe(true);
    });

    test('a second launch on the same profile brings the first window forward and exits', async () => {
      const second = spawn(executable, launchArgs(), { env: launchEnv(), stdio: 'ignore' });
      const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
      expect(code).toBe(0);
      expect(running().windows()).toHaveLength(1);
      await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
    });

    test('quitting closes the engine cleanly: the database is closed, nothing is left running', async () => {
      const electronProcess = running().process();
      await running().close();
      app = undefined;
      expect(electronProcess.exitCode).toBe(0);
      // SQLite removes the write-ahead log only when the last connection closes cleanly.
      expect(existsSync(join(aliceProfile, 'aegees.db'))).toBe(true);
      expect(existsSync(join(aliceProfile, 'aegees.db-wal'))).toBe(false);
      expect(shellLog.filter((line) => line.includes('did not close cleanly') || line.includes('engine process stopped'))).toEqual([]);
    });
  });
}
