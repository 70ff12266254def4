// Without a reachable keychain the opener must fail with KEYCHAIN_UNAVAILABLE, say what to
// install, and write nothing. Each case runs the opener in a child process whose D-Bus
// environment is broken in a different real way.
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentWithoutKeychain, runJson, tsxCommand } from './helpers.js';

const fixture = fileURLToPath(new URL('fixtures/open-secret-store.ts', import.meta.url));
const busConfig = fileURLToPath(new URL('fixtures/no-secret-service-bus.conf', import.meta.url));

interface Outcome {
  code?: string;
  message?: string;
  opened?: string;
}

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aegees-no-keychain-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function brokenEnv(busAddress?: string): Promise<NodeJS.ProcessEnv> {
  return environmentWithoutKeychain(await mkdtemp(join(root, 'runtime-')), busAddress);
}

const open = (profileDir: string): string[] => tsxCommand(fixture, profileDir);

const environments: Array<[string, (profileDir: string) => Promise<Outcome>]> = [
  ['the session bus address names no bus', async (dir) => runJson(open(dir), await brokenEnv(`unix:path=${join(root, 'no-such-bus')}`))],
  ['there is no session bus and no display', async (dir) => runJson(open(dir), await brokenEnv())],
  [
    'a session bus runs but no Secret Service is installed on it',
    async (dir) => runJson(['dbus-run-session', `--config-file=${busConfig}`, '--', ...open(dir)], await brokenEnv()),
  ],
];

describe('opening a profile with no reachable keychain', () => {
  it.each(environments)('fails clearly and writes nothing when %s', async (_label, openIn) => {
    const profileDir = await mkdtemp(join(root, 'profile-'));
    const result = await openIn(profileDir);
    expect(result.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(result.message).toMatch(/No OS keychain is reachable/);
    expect(result.message).toMatch(/gnome-keyring/);
    expect(result.message).toMatch(/KeePassXC/);
    expect(result.message).toMatch(/D-Bus session/);
    expect(result.message).toMatch(/passphrase/);
    expect(await readdir(profileDir)).toEqual([]);
  });

  it('does not create a profile directory that did not exist', async () => {
    const parent = await mkdtemp(join(root, 'parent-'));
    const result = await runJson<Outcome>(open(join(parent, 'profile')), await brokenEnv());
    expect(result.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(await readdir(parent)).toEqual([]);
  });

  it('opens the same profile once a keychain is reachable (the test Secret Service)', async () => {
    const profileDir = join(root, 'later');
    await mkdir(profileDir);
    expect((await runJson<Outcome>(open(profileDir), await brokenEnv())).code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(await runJson<Outcome>(open(profileDir), process.env)).toEqual({ opened: 'os-keychain' });
    expect(await readdir(profileDir)).toEqual(['profile-id']);
  });
});
