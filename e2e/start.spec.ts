// `npm start`'s host (src/host/start.ts) as its own process, the way a person runs it:
// a first start gives an empty profile a local relay, a second start brings that relay
// back at the same address; with no keychain the page explains what to install.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { createAccountInUi, goTo, screenshot } from './harness.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

interface Started {
  readonly url: string;
  readonly output: () => string;
  /** SIGTERM, as Ctrl+C or a logout would; resolves with the exit code. */
  stop(): Promise<number | null>;
}

async function startHost(profileDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/host/start.ts', '--profile', profileDir, '--no-open'], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (output += chunk));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
        const found = /http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/.exec(output);
        if (found) resolve(found[0]);
      });
      void exited.then(() => reject(new Error(`start.ts exited before serving:\n${output}`)));
    });
    return { url, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

let root: string;

test.beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'aegees-e2e-start-'));
});

test.afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

test('a first start runs a local relay for the new profile; the next start brings it back', async ({ page }) => {
  const profileDir = join(root, 'profile');
  const first = await startHost(profileDir);
  try {
    expect(first.output()).toMatch(/local relay: http:\/\/127\.0\.0\.1:\d+/);
    await page.goto(first.url);
    await createAccountInUi({ name: 'Dana', page });
    await goTo(page, 'Servers');
    await expect(page.getByRole('row').filter({ hasText: 'Connected' })).toHaveCount(1);
  } finally {
    expect(await first.stop()).toBe(0);
  }
  const recorded = JSON.parse(readFileSync(join(root, 'profile-local-relay', 'address.json'), 'utf8')) as { url: string };

  const second = await startHost(profileDir);
  try {
    expect(second.output()).toContain(`local relay: ${recorded.url}`);
    await page.goto(second.url);
    await expect(page.getByRole('navigation', { name: 'Sections' })).toBeVisible();
    await goTo(page, 'Servers');
    const row = page.getByRole('row').filter({ hasText: new URL(recorded.url).host });
    await expect(row).toContainText('Connected');
  } finally {
    expect(await second.stop()).toBe(0);
  }
});

test('with no keychain reachable the app explains what to install', async ({ page }) => {
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: join(root, 'run'), DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(root, 'no-bus')}` };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const host = await startHost(join(root, 'profile'), env);
  try {
    expect(host.output()).toContain('the profile could not be opened yet');
    await page.goto(host.url);
    await expect(page.getByRole('heading', { name: 'Aegees cannot reach your system keychain' })).toBeVisible();
    await expect(page.getByText(/apt install gnome-keyring/)).toBeVisible();
    await screenshot(page, 'keychain-unavailable');
    // Trying again without a keychain keeps the explanation (and opens nothing).
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByRole('heading', { name: 'Aegees cannot reach your system keychain' })).toBeVisible();
  } finally {
    await host.stop();
  }
});
