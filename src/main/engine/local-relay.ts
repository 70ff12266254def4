// Unpackaged runs (npm start with an Electron runtime) keep the browser target's first-run
// behaviour, so the same profile works in both: a profile whose roster is empty gets a
// storage relay of its own on loopback, with SQLite in `<profile>-local-relay` and its
// address recorded there; later starts run it on the same port while the roster still lists
// it, because that address is in the account's contact card. The policy is the one of
// src/host/start.ts; the relay runs from source (spawnLocalRelay), hence unpackaged only.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Messenger } from '../../core/messenger/messenger.js';
import { spawnLocalRelay, type LocalRelay } from '../../host/start-support.js';
import type { LinkLog } from '../engine-link.js';

function localRelayFiles(profileDir: string): { dataDir: string; record: string } {
  const dataDir = `${resolve(profileDir)}-local-relay`;
  return { dataDir, record: join(dataDir, 'address.json') };
}

function recordedUrl(path: string): string | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return typeof value === 'object' && value !== null && 'url' in value && typeof value.url === 'string' ? value.url : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the profile's local relay when it has or needs one; undefined when its roster has other relays. */
export async function ensureLocalRelay(messenger: Messenger, profileDir: string, log: LinkLog): Promise<LocalRelay | undefined> {
  const { dataDir, record } = localRelayFiles(profileDir);
  const recorded = recordedUrl(record);
  const roster = messenger.listRelays();
  const onLog = (line: string) => log('local relay', { line });
  if (recorded !== undefined && roster.some((relay) => relay.url === recorded)) {
    return spawnLocalRelay({ dataDir, port: Number(new URL(recorded).port), onLog });
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
  log('local relay started', { url: relay.url, dataDir });
  return relay;
}
