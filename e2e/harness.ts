// Starts the browser target for a spec: the real web host serving dist/renderer, either
// with the real app (messenger engine on a fresh profile, real relay processes, keys in
// the Secret Service that `npm run test:e2e` starts) or with no engine at all.
import { EventEmitter } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import type { ApiHandlers } from '../src/common/api/contract.js';
import type { ApiEventSource } from '../src/common/api/transport.js';
import { AegeesError } from '../src/common/errors.js';
import { startApp, type App } from '../src/host/app.js';
import { startWebHost, type WebHost } from '../src/host/web-host.js';
import { spawnRelay, type RelayProcess } from '../test/support/relay-process.js';

export const BUNDLE_DIR = new URL('../dist/renderer', import.meta.url).pathname;
/** Stable place for the screenshots of each main screen (Playwright empties its own output folder). */
export const SCREENSHOT_DIR = new URL('../test-results/screens', import.meta.url).pathname;

export function startBrowserTarget(handlers: ApiHandlers, events: ApiEventSource): Promise<WebHost> {
  return startWebHost({ handlers, events, staticDir: BUNDLE_DIR });
}

/**
 * For specs that must never reach the key-holding side: every method refuses, and the
 * spec asserts that none was called. This is not a stand-in engine.
 */
export function unreachableEngine(): { handlers: ApiHandlers; events: EventEmitter; calls: string[] } {
  const calls: string[] = [];
  const handlers = new Proxy({} as ApiHandlers, {
    get: (_target, name) => async () => {
      calls.push(String(name));
      throw new AegeesError('INTERNAL', 'no engine in this spec');
    },
  });
  return { handlers, events: new EventEmitter(), calls };
}

/** A page on another loopback origin, standing in for any other site the person has open. */
export async function startForeignOrigin(): Promise<{ origin: string; close: () => Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>another site</title><p>another site</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface Person {
  readonly name: string;
  readonly app: App;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Engine warnings, shown when a spec fails. */
  readonly warnings: string[];
}

/**
 * Real relays and app instances for one spec file, each app on its own fresh profile and
 * its own browser context (a separate window, as two people would have).
 */
export class World {
  readonly relays: RelayProcess[] = [];
  readonly people: Person[] = [];
  private profiles = 0;
  private readonly root = mkdtempSync(join(tmpdir(), 'aegees-e2e-'));

  async startRelays(count: number): Promise<RelayProcess[]> {
    // Rate limits are per client address, and every client here is 127.0.0.1.
    const started = await Promise.all(Array.from({ length: count }, () => spawnRelay({ flags: { 'rate-limit': 0 } })));
    this.relays.push(...started);
    return started;
  }

  /**
   * An app on a fresh profile whose roster holds `relays` (as inbox relays unless listed in
   * `notInbox`), opened in a new browser context. The account is not created here.
   */
  async person(browser: Browser, name: string, relays: readonly RelayProcess[], notInbox: readonly RelayProcess[] = []): Promise<Person> {
    return this.open(browser, name, this.profileFolder(name), relays, notInbox);
  }

  /** A fresh profile folder, for a spec that builds a profile before its app starts (then `open` it). */
  profileFolder(name: string): string {
    return this.folder(`${name.toLowerCase()}-${this.profiles++}`);
  }

  /** An app on the profile in `profileDir` (made with `profileFolder`), with `relays` added to its roster as in `person`. */
  async open(browser: Browser, name: string, profileDir: string, relays: readonly RelayProcess[] = [], notInbox: readonly RelayProcess[] = []): Promise<Person> {
    const warnings: string[] = [];
    const app = await startApp({
      profileDir,
      staticDir: BUNDLE_DIR,
      // Relay status in the UI follows a stopped relay within a second or two.
      engine: { healthIntervalMs: 1_000, onWarning: (message, error) => warnings.push(`${message}${error instanceof Error ? `: ${error.message}` : ''}`) },
      prepare: async (messenger) => {
        for (const relay of [...relays, ...notInbox]) {
          await messenger.addRelay(relay.url, { identityKey: relay.identityKey, inbox: !notInbox.includes(relay) });
        }
      },
      log: (message, fields) => warnings.push(`host: ${message} ${JSON.stringify(fields ?? {})}`),
    });
    if (!app.messenger) {
      await app.close();
      throw new Error(`the profile did not open (${warnings.join('; ')}); run the e2e specs with a Secret Service: npm run test:e2e`);
    }
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (error) => warnings.push(`page error: ${error.message}`));
    await page.goto(app.url);
    const person = { name, app, context, page, warnings };
    this.people.push(person);
    return person;
  }

  /** Closes one person's window and app, as when a computer is gone for good. */
  async retire(person: Person): Promise<void> {
    await person.context.close();
    await person.app.close();
    this.people.splice(this.people.indexOf(person), 1);
  }

  /** A fresh, empty folder for files a spec writes (backups). */
  folder(name: string): string {
    const dir = join(this.root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  }

  /** Engine and page warnings of everyone, attached to the running test when it failed. */
  async attachWarningsOnFailure(): Promise<void> {
    const info = test.info();
    if (info.status === info.expectedStatus) return;
    for (const person of this.people) await info.attach(`${person.name} warnings`, { body: person.warnings.join('\n') });
  }

  async stop(): Promise<void> {
    for (const person of this.people) await person.context.close();
    await Promise.all(this.people.map((person) => person.app.close()));
    await Promise.all(this.relays.map((relay) => relay.stop()));
    for (const relay of this.relays) rmSync(relay.dataDir, { recursive: true, force: true });
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Onboarding through the UI: the first-run screen, a name, "Create account". */
export async function createAccountInUi(person: Pick<Person, 'name' | 'page'>): Promise<void> {
  const { page } = person;
  await expect(page.getByRole('heading', { name: 'Welcome to Aegees' })).toBeVisible();
  await page.getByLabel('Your name, as your contacts will see it').fill(person.name);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
}

export async function goTo(page: Page, section: 'Chats' | 'Contacts' | 'Servers' | 'Devices' | 'Backup' | 'Settings'): Promise<void> {
  await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: section }).click();
}

/** Reads one person's invite code from their Contacts page and sends a request from the other's. */
export async function exchangeInvites(from: Person, to: Person): Promise<void> {
  await goTo(from.page, 'Contacts');
  const code = await from.page.getByLabel('Invite code', { exact: true }).textContent();
  expect(code).toMatch(/^AEGEES1:/);
  await goTo(to.page, 'Contacts');
  await to.page.getByLabel('Their invite code').fill(code!);
  await to.page.getByRole('button', { name: 'Send contact request' }).click();
  await expect(to.page.getByText(`Request sent to ${from.name}.`)).toBeVisible();
  await from.page.getByRole('button', { name: `Accept ${to.name}` }).click();
  await expect(to.page.getByRole('region', { name: 'Your contacts' }).getByRole('button', { name: `Message ${from.name}` })).toBeVisible();
  await expect(from.page.getByRole('button', { name: `Message ${to.name}` })).toBeVisible();
}

/** Both people exist with accounts and are each other's accepted contacts (through the UI). */
export async function befriend(a: Person, b: Person): Promise<void> {
  await createAccountInUi(a);
  await createAccountInUi(b);
  await exchangeInvites(a, b);
}

export async function openConversation(person: Person, withName: string): Promise<void> {
  await goTo(person.page, 'Contacts');
  await person.page.getByRole('button', { name: `Message ${withName}` }).click();
  await expect(conversation(person.page, withName)).toBeVisible();
}

export function conversation(page: Page, withName: string) {
  return page.getByRole('region', { name: `Conversation with ${withName}` });
}

export async function send(page: Page, toName: string, text: string): Promise<void> {
  const box = page.getByLabel(`Message to ${toName}`);
  await box.fill(text);
  await box.press('Enter');
  await expect(box).toHaveValue('');
}

/** The message bubbles of a conversation, as the reader sees them. */
export function messages(page: Page, withName: string) {
  return page.getByRole('log', { name: `Messages with ${withName}` }).getByRole('article');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}

/** Message ids a relay holds or held (stored envelopes, and tombstones of delivered ones), read from its SQLite file. */
export function relayMessageIds(relay: RelayProcess): Set<string> {
  const db = new Database(join(relay.dataDir, 'relay.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT msg_id FROM envelopes UNION SELECT msg_id FROM tombstones').pluck().all() as Buffer[];
    return new Set(rows.map((id) => id.toString('hex')));
  } finally {
    db.close();
  }
}
