// `npm start` in the browser target: opens a profile, runs a local storage relay for it
// when it has no relay of its own yet, serves the UI on 127.0.0.1 and opens it in the
// system browser. Ctrl+C stops the app and the relay.
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startApp, type App } from './app.js';
import { ensureLocalRelay, localRelayFiles } from './local-relay.js';
import { defaultProfileDir, openExternal, openInBrowser, type LocalRelay } from './start-support.js';

const USAGE = `usage: npm start -- [--profile DIR] [--port N] [--no-open] [--no-local-relay]

  --profile DIR       the profile to open (default ${defaultProfileDir()})
  --port N            serve the UI on this port of 127.0.0.1 (default: any free port)
  --no-open           print the address only; do not open a browser
  --no-local-relay    never start the local relay (a profile with no relay cannot create an account)`;

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
        if (!values['no-local-relay'] && !relay) relay = await ensureLocalRelay(messenger, profileDir, warn);
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
