// `npm start` in the browser target: opens a profile, runs a local storage relay for it
// when it has no relay of its own yet, serves the UI on 127.0.0.1 and opens it in the
// system browser. Ctrl+C stops the app and the relay.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Messenger } from '../core/messenger/messenger.js';
import { startApp, type App } from './app.js';
import { defaultProfileDir, openExternal, openInBrowser, spawnLocalRelay, type LocalRelay } from './start-support.js';

const USAGE = `usage: npm start -- [--profile DIR] [--port N] [--no-open] [--no-local-relay]

  --profile DIR       the profile to open (default ${defaultProfileDir()})
  --port N            serve the UI on this port of 127.0.0.1 (default: any free port)
  --no-open           print the address only; do not open a browser
  --no-local-relay    never start the local relay (a profile with no relay cannot create an account)`;

/**
 * Where the local relay keeps its data and the address its profile knows it by: next to
 * the profile, not inside it, since restoring a backup replaces the profile's folder.
 */
function localRelayFiles(profileDir: string) {
  const dataDir = `${resolve(profileDir)}-local-relay`;
  return { dataDir, record: join(dataDir, 'address.json') };
}

function readRecordedUrl(path: string): string | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof value === 'object' && value !== null && 'url' in value && typeof value.url === 'string' ? value.url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A profile whose roster is empty gets a relay of its own (SQLite next to the profile),
 * so a first start works with no server anywhere. Its address is recorded,
 * and later starts run it again on the same port while the roster still lists it: the
 * address is in the account's contact card, so it must not move.
 */
async function runLocalRelay(messenger: Messenger, profileDir: string, warn: (message: string) => void): Promise<LocalRelay | undefined> {
  const { dataDir, record } = localRelayFiles(profileDir);
  const recorded = readRecordedUrl(record);
  const roster = messenger.listRelays();
  const onLog = (line: string) => warn(`local relay: ${line}`);
  if (recorded !== undefined && roster.some((relay) => relay.url === recorded)) {
    const relay = await spawnLocalRelay({ dataDir, port: Number(new URL(recorded).port), onLog });
    if (!roster.some((entry) => entry.url === recorded && entry.identityKey.equals(relay.identityKey))) {
      warn(`the local relay in ${dataDir} has another identity key than the roster pins; the app will show it as an impostor`);
    }
    return relay;
  }
  if (roster.length > 0) return undefined;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const relay = await spawnLocalRelay({ dataDir, onLog });
  try {
    await messenger.addRelay(relay.url, { identityKey: relay.identityKey, inbox: true });
    writeFileSync(record, JSON.stringify({ url: relay.url }) + '\n', { mode: 0o600 });
  } catch (error) {
    await relay.stop();
    throw error;
  }
  return relay;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        profile: { type: 'string' },
        port: { type: 'string' },
        'no-open': { type: 'boolean', default: false },
        'no-local-relay': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be a port number\n\n${USAGE}`);
    process.exit(2);
  }
  const profileDir = values.profile ?? defaultProfileDir();
  mkdirSync(profileDir, { recursive: true, mode: 0o700 });
  const warn = (message: string) => console.error(`warning: ${message}`);

  let relay: LocalRelay | undefined;
  let app: App;
  try {
    app = await startApp({
      profileDir,
      port,
      engine: { onWarning: (message, error) => warn(`${message}${error instanceof Error ? `: ${error.message}` : ''}`) },
      // Runs again when a restored backup replaces the profile; one local relay is enough.
      prepare: async (messenger) => {
        if (!values['no-local-relay'] && !relay) relay = await runLocalRelay(messenger, profileDir, warn);
      },
      openExternal,
      log: (message, fields) => warn(`${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
    });
  } catch (error) {
    await relay?.stop();
    throw error;
  }

  console.log(`Aegees Desktop (browser target)\n  profile: ${profileDir}`);
  if (relay) console.log(`  local relay: ${relay.url} (data in ${localRelayFiles(profileDir).dataDir})`);
  if (!app.messenger) console.log('  the profile could not be opened yet; the page says why');
  console.log(`\nOpen Aegees at:\n  ${app.url}\n`);
  if (!values['no-open'] && openInBrowser(app.url)) console.log('(opened in your browser)');
  console.log('Ctrl+C stops Aegees.');

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    void app
      .close()
      .then(() => relay?.stop())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
