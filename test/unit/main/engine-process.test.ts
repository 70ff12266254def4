// The real engine process (src/main/engine/entry.ts with the messenger engine) driven the
// way the Electron main process drives it: over the engine link, from a child process.
// Each engine gets a private Secret Service of its own (scripts/with-secret-service.sh in
// front of Node), or none at all, so the outcome never depends on the caller's session.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAegeesError } from '../../../src/common/errors.js';
import { spawnNodeEngine, startEngine as startEngineProcess, type EngineHandle } from '../../../src/main/engine-process.js';
import { spawnRelay, type RelayProcess } from '../../support/relay-process.js';
import { waitFor } from '../../support/wait.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const ENTRY = join(REPO, 'src/main/engine/entry.ts');
const WITH_SECRET_SERVICE = join(REPO, 'scripts/with-secret-service.sh');
const root = mkdtempSync(join(tmpdir(), 'aegees-engine-process-'));
let relay: RelayProcess;
const engines: EngineHandle[] = [];

/** Every engine a test starts is shut down after the file, even when an assertion failed halfway. */
function startEngine(...args: Parameters<typeof startEngineProcess>): EngineHandle {
  const engine = startEngineProcess(...args);
  engines.push(engine);
  return engine;
}

/** The caller's environment without its D-Bus session, so each engine's keychain is its own (or absent). */
function engineEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  delete env.AEGEES_INSIDE_DBUS;
  delete env.AEGEES_SECRET_SERVICE;
  if (!('DBUS_SESSION_BUS_ADDRESS' in extra)) delete env.DBUS_SESSION_BUS_ADDRESS;
  return env;
}

async function connectedMailboxes(): Promise<number> {
  const text = await (await fetch(`${relay.url}/metrics`)).text();
  const line = text.split('\n').find((entry) => entry.startsWith('aegees_relay_connected_mailboxes '));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

function failOnExit(code: number | null): void {
  throw new Error(`the engine exited unexpectedly (${code})`);
}

beforeAll(async () => {
  relay = await spawnRelay({ flags: { 'rate-limit': 0 } });
});

afterAll(async () => {
  await Promise.all(engines.map((engine) => engine.shutdown(60_000)));
  await relay?.stop();
  if (relay) rmSync(relay.dataDir, { recursive: true, force: true });
  rmSync(root, { recursive: true, force: true });
});

describe('engine process', () => {
  it('serves a profile, and on shutdown closes its relay connection and its database', async () => {
    const profileDir = join(root, 'ada');
    const logs: string[] = [];
    const engine = startEngine(
      spawnNodeEngine({ node: WITH_SECRET_SERVICE, execArgv: [process.execPath, '--import', 'tsx'], entry: ENTRY, args: ['--profile', profileDir], env: engineEnv() }),
      (message) => logs.push(message),
      failOnExit,
    );
    const api = engine.client.handlers;
    const statuses: unknown[] = [];
    engine.client.events.on('profileChanged', (status) => statuses.push(status));

    await expect(api.getProfileStatus({})).resolves.toEqual({ kind: 'no-account' });
    await api.addRelay({ url: relay.url, identityKey: relay.identityKey.toString('hex') });
    const me = await api.createAccount({ displayName: 'Ada' });
    await expect(api.getProfileStatus({})).resolves.toEqual({ kind: 'ready', me });
    expect(statuses).toContainEqual({ kind: 'ready', me });
    await waitFor(async () => (await connectedMailboxes()) === 1, "the engine's mailbox connection");

    await expect(engine.shutdown(60_000)).resolves.toBe(0);
    // SQLite removes the write-ahead log when the last connection closes cleanly; a killed process leaves it.
    expect(existsSync(join(profileDir, 'aegees.db'))).toBe(true);
    expect(existsSync(join(profileDir, 'aegees.db-wal'))).toBe(false);
    await waitFor(async () => (await connectedMailboxes()) === 0, 'the mailbox connection to close');
    expect(logs).toEqual([]);
  });

  it('restores a backup in place of a profile without an account, and serves the restored account', async () => {
    const spawnWithKeychain = (profileDir: string) =>
      startEngine(
        spawnNodeEngine({ node: WITH_SECRET_SERVICE, execArgv: [process.execPath, '--import', 'tsx'], entry: ENTRY, args: ['--profile', profileDir], env: engineEnv() }),
        () => {},
        failOnExit,
      );
    const backupPath = join(root, 'grace.aegees-backup');
    const source = spawnWithKeychain(join(root, 'grace'));
    await source.client.handlers.addRelay({ url: relay.url, identityKey: relay.identityKey.toString('hex') });
    const me = await source.client.handlers.createAccount({ displayName: 'Grace' });
    await source.client.handlers.exportBackup({ path: backupPath, passphrase: 'correct horse battery staple' });
    await expect(source.shutdown(60_000)).resolves.toBe(0);

    const profileDir = join(root, 'grace-restored');
    const target = spawnWithKeychain(profileDir);
    const statuses: unknown[] = [];
    target.client.events.on('profileChanged', (status) => statuses.push(status));
    await expect(target.client.handlers.getProfileStatus({})).resolves.toEqual({ kind: 'no-account' });
    const wrong = await target.client.handlers.importBackup({ path: backupPath, passphrase: 'not the passphrase' }).catch((error: unknown) => error);
    expect(isAegeesError(wrong, 'WRONG_PASSPHRASE')).toBe(true);
    await expect(target.client.handlers.getProfileStatus({})).resolves.toEqual({ kind: 'no-account' });

    await expect(target.client.handlers.importBackup({ path: backupPath, passphrase: 'correct horse battery staple' })).resolves.toEqual(me);
    await expect(target.client.handlers.getProfileStatus({})).resolves.toEqual({ kind: 'ready', me });
    expect(statuses).toContainEqual({ kind: 'ready', me });
    await expect(target.shutdown(60_000)).resolves.toBe(0);
    expect(existsSync(join(profileDir, 'aegees.db'))).toBe(true);
  });

  it('without a keychain: getProfileStatus says what to do, other calls are refused, shutdown is clean', async () => {
    const engine = startEngine(
      spawnNodeEngine({
        node: process.execPath,
        execArgv: ['--import', 'tsx'],
        entry: ENTRY,
        args: ['--profile', join(root, 'no-keychain')],
        env: engineEnv({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/aegees-test-bus' }),
      }),
      () => {},
      failOnExit,
    );
    const status = await engine.client.handlers.getProfileStatus({});
    expect(status).toMatchObject({ kind: 'keychain-unavailable', hint: expect.stringContaining('Secret Service') });
    const refused = await engine.client.handlers.createAccount({ displayName: 'Ada' }).catch((error: unknown) => error);
    expect(isAegeesError(refused, 'KEYCHAIN_UNAVAILABLE')).toBe(true);
    await expect(engine.shutdown(60_000)).resolves.toBe(0);
  });
});
