// The local-relay policy shared by `npm start` in the browser target (src/host/start.ts)
// and the unpackaged Electron engine process (src/main/engine/entry.ts), so the same
// profile behaves alike in both. It stays in src/host, next to spawnLocalRelay, because
// it runs the relay from the source tree; src/main may import it (docs/ARCHITECTURE.md).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Messenger } from '../core/messenger/messenger.js';
import { spawnLocalRelay, type LocalRelay } from './start-support.js';

/**
 * Where the local relay keeps its data and the address its profile knows it by: next to
 * the profile, not inside it, since restoring a backup replaces the profile's folder.
 */
export function localRelayFiles(profileDir: string): { dataDir: string; record: string } {
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
 * address is in the account's contact card, so it must not move. Undefined when the
 * roster has other relays only.
 */
export async function ensureLocalRelay(messenger: Messenger, profileDir: string, warn: (message: string) => void): Promise<LocalRelay | undefined> {
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
