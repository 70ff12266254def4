// The engine process: one profile opened with the messenger engine, served to the main
// process over the engine link. Packaged, it runs as an Electron utility process (Node
// inside the Electron binary, so the native modules electron-builder rebuilt for Electron
// load); in development and in tests it runs under the system's Node, whose native builds
// are the ones npm installed. It never imports electron.
import { parseArgs } from 'node:util';
import { ProfileSession } from '../../core/app/profile-session.js';
import type { Messenger } from '../../core/messenger/messenger.js';
import { ensureLocalRelay, localRelayFiles } from '../../host/local-relay.js';
import type { LocalRelay } from '../../host/start-support.js';
import type { EngineLink } from '../engine-link.js';
import { serveEngine } from '../engine-link.js';

/** Electron's utility-process port, as far as this process uses it. */
interface ParentPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

function parentLink(): { link: EngineLink; onParentGone: (listener: () => void) => void } {
  const port = (process as { parentPort?: ParentPort }).parentPort;
  if (port) {
    return {
      link: { send: (message) => port.postMessage(message), onMessage: (listener) => void port.on('message', (event) => listener(event.data)) },
      // Electron ends a utility process together with its parent.
      onParentGone: () => {},
    };
  }
  const send = process.send?.bind(process);
  if (!send) throw new Error('the engine process needs a parent: an Electron utility process or a Node child with an IPC channel');
  return {
    link: { send: (message) => void send(message), onMessage: (listener) => void process.on('message', listener) },
    onParentGone: (listener) => void process.once('disconnect', listener),
  };
}

function log(message: string, fields?: Record<string, unknown>): void {
  console.error(`aegees engine: ${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { profile: { type: 'string' }, 'local-relay': { type: 'boolean', default: false } } });
  const profileDir = values.profile;
  if (!profileDir) throw new Error('usage: engine --profile DIR [--local-relay]');
  const { link, onParentGone } = parentLink();
  let relay: LocalRelay | undefined;
  // Unpackaged runs (npm start with an Electron runtime) keep the browser target's first-run
  // behaviour, so the same profile works in both; the relay runs from source, hence the flag.
  // The profile opens again after a restored backup replaced it; one local relay is enough.
  const prepare = async (messenger: Messenger) => {
    if (relay) return;
    relay = await ensureLocalRelay(messenger, profileDir, (message) => log(message));
    if (relay) log('local relay running', { url: relay.url, dataDir: localRelayFiles(profileDir).dataDir });
  };
  const profile = new ProfileSession({
    profileDir,
    engine: { onWarning: (message, error) => log(message, error instanceof Error ? { error: error.message } : undefined) },
    ...(values['local-relay'] ? { prepare } : {}),
    log,
  });
  let closing: Promise<void> | undefined;
  const closeOnce = () => (closing ??= profile.close().finally(() => relay?.stop()));
  const served = serveEngine(link, { handlers: profile.handlers, events: profile.events, close: closeOnce }, log);
  // Ctrl+C in a terminal reaches the whole process group. The main process answers it with
  // a shutdown request, which closes the profile; exiting here first would look like a crash.
  process.on('SIGINT', () => {});
  process.once('SIGTERM', () => void closeOnce().then(() => process.exit(0)));
  onParentGone(() => void closeOnce().then(() => process.exit(0)));
  await profile.open();
  await served;
  // Nothing may keep the process alive once the profile is closed (a D-Bus handle, a timer).
  process.exit(0);
}

main().catch((error: unknown) => {
  log('stopped', { error: error instanceof Error ? error.message : String(error) });
  process.exit(1);
});
