// `npm run demo`: two local relays and two fresh profiles, Alice and Bob, that are already
// each other's contacts (made through the engine: accounts, invite code, accept), each
// served by its own app. Open both addresses to chat with yourself in two windows.
// Everything lives in a temporary directory that Ctrl+C removes; scripts/start.sh runs
// this under a private Secret Service, so the demo's keys never reach your own keychain.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Messenger } from '../core/messenger/messenger.js';
import { startApp, type App } from './app.js';
import { openExternal, openInBrowser, spawnLocalRelay, type LocalRelay } from './start-support.js';

const PEOPLE = ['Alice', 'Bob'] as const;
const SETUP_TIMEOUT_MS = 60_000;

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + SETUP_TIMEOUT_MS;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`demo set-up: gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Creates both accounts on both relays and makes them contacts, then closes the profiles. */
async function introduce(root: string, relays: readonly LocalRelay[]): Promise<void> {
  const [alice, bob] = await Promise.all(
    PEOPLE.map(async (name) => {
      const messenger = await Messenger.open({ profileDir: join(root, name.toLowerCase()) });
      for (const relay of relays) await messenger.addRelay(relay.url, { identityKey: relay.identityKey, inbox: true });
      await messenger.createAccount(name, 'Demo');
      messenger.start();
      return messenger;
    }),
  );
  try {
    await bob!.addContact(alice!.inviteCode());
    const bobId = bob!.accountId;
    await until("Bob's contact request to reach Alice", () => alice!.contacts().some((c) => bobId.equals(c.accountId)));
    await alice!.acceptContact(bobId);
    await until("Alice's accept to reach Bob", () => bob!.contacts().some((c) => alice!.accountId.equals(c.accountId) && c.state === 'accepted'));
    await until('both outboxes to empty', () => alice!.pendingDeposits() === 0 && bob!.pendingDeposits() === 0);
  } finally {
    await Promise.all([alice!.close(), bob!.close()]);
  }
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'aegees-demo-'));
  const relays: LocalRelay[] = [];
  const apps: App[] = [];
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled(apps.map((app) => app.close()));
    await Promise.allSettled(relays.map((relay) => relay.stop()));
    await rm(root, { recursive: true, force: true });
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  try {
    console.log('Setting up the demo: two relays, Alice and Bob…');
    const warn = (line: string) => console.error(`warning: ${line}`);
    relays.push(...(await Promise.all(['relay-1', 'relay-2'].map((name) => spawnLocalRelay({ dataDir: join(root, name), onLog: warn })))));
    await introduce(root, relays);
    for (const name of PEOPLE) {
      apps.push(
        await startApp({
          profileDir: join(root, name.toLowerCase()),
          engine: { onWarning: (message, error) => warn(`${name}: ${message}${error instanceof Error ? `: ${error.message}` : ''}`) },
          openExternal,
          log: (message, fields) => warn(`${name}: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
        }),
      );
    }
  } catch (error) {
    console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    await stop(1);
    return;
  }

  console.log(`\nRelays: ${relays.map((relay) => relay.url).join(', ')}`);
  PEOPLE.forEach((name, index) => console.log(`\n${name}:\n  ${apps[index]!.url}`));
  console.log('\nOpen each address in its own window (one is Alice, the other Bob) and write to each other.');
  for (const app of apps) openInBrowser(app.url);
  console.log('Ctrl+C stops the demo and deletes its profiles.');
}

await main();
