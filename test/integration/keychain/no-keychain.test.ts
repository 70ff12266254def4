// Without a reachable keychain the opener must fail with KEYCHAIN_UNAVAILABLE, say what to
// install, and write nothing. Each case runs the opener in a child process whose D-Bus
// environment is broken in a different real way.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const fixture = fileURLToPath(new URL('fixtures/open-secret-store.ts', import.meta.url));
const busConfig = fileURLToPath(new URL('fixtures/no-secret-service-bus.conf', import.meta.url));

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aegees-no-keychain-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The parent's environment without any way to reach a display or the test's D-Bus. */
async function isolatedEnv(bus: string | undefined): Promise<NodeJS.ProcessEnv> {
  const env = { ...process.env };
  for (const name of ['DISPLAY', 'WAYLAND_DISPLAY', 'DBUS_SESSION_BUS_ADDRESS']) delete env[name];
  // libdbus and GDBus also look for $XDG_RUNTIME_DIR/bus; point it at an empty directory.
  env.XDG_RUNTIME_DIR = await mkdtemp(join(root, 'runtime-'));
  if (bus !== undefined) env.DBUS_SESSION_BUS_ADDRESS = bus;
  return env;
}

async function openInChild(command: string[], env: NodeJS.ProcessEnv): Promise<{ code?: string; message?: string; opened?: string }> {
  const [file, ...args] = command;
  const { stdout } = await run(file!, args, { cwd: repoRoot, env, timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as { code?: string; message?: string; opened?: string };
}

const node = (profileDir: string): string[] => [process.execPath, '--import', 'tsx', fixture, profileDir];

const environments: Array<[string, () => Promise<{ command: (dir: string) => string[]; env: NodeJS.ProcessEnv }>]> = [
  [
    'the session bus address names no bus',
    async () => ({ command: node, env: await isolatedEnv(`unix:path=${join(root, 'no-such-bus')}`) }),
  ],
  ['there is no session bus and no display', async () => ({ command: node, env: await isolatedEnv(undefined) })],
  [
    'a session bus runs but no Secret Service is installed on it',
    async () => ({
      command: (dir) => ['dbus-run-session', `--config-file=${busConfig}`, '--', ...node(dir)],
      env: await isolatedEnv(undefined),
    }),
  ],
];

describe('opening a profile with no reachable keychain', () => {
  it.each(environments)('fails clearly and writes nothing when %s', async (_label, setup) => {
    const { command, env } = await setup();
    const profileDir = await mkdtemp(join(root, 'profile-'));
    const result = await openInChild(command(profileDir), env);
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
    const result = await openInChild(node(join(parent, 'profile')), await isolatedEnv(undefined));
    expect(result.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(await readdir(parent)).toEqual([]);
  });

  it('opens the same profile once a keychain is reachable (the test Secret Service)', async () => {
    const profileDir = join(root, 'later');
    await mkdir(profileDir);
    expect((await openInChild(node(profileDir), await isolatedEnv(undefined))).code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(await openInChild(node(profileDir), process.env)).toEqual({ opened: 'os-keychain' });
    expect(await readdir(profileDir)).toEqual(['profile-id']);
  });
});
