// `npm start`'s host (src/host/start.ts, as a separate process) on a machine where no
// keychain answers: the UI is still served and says in plain words what to install or
// start, instead of the app failing to launch.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { screenshot } from './harness.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

test('with no keychain reachable the app explains what to install', async ({ page }) => {
  const root = mkdtempSync(join(tmpdir(), 'aegees-e2e-nokeychain-'));
  const runtimeDir = join(root, 'run');
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: runtimeDir, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(root, 'no-bus')}` };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/host/start.ts', '--profile', join(root, 'profile'), '--no-open'], {
    cwd: REPO,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
        const found = /http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+/.exec(output);
        if (found) resolve(found[0]);
      });
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => (output += chunk));
      void exited.then(() => reject(new Error(`start.ts exited before serving:\n${output}`)));
    });
    expect(output).toContain('the profile could not be opened yet');

    await page.goto(url);
    await expect(page.getByRole('heading', { name: 'Aegees cannot reach your system keychain' })).toBeVisible();
    await expect(page.getByText(/apt install gnome-keyring/)).toBeVisible();
    await screenshot(page, 'keychain-unavailable');
    // Trying again without a keychain keeps the explanation (and opens nothing).
    await page.getByRole('button', { name: 'Try again' }).click();
    await expect(page.getByRole('heading', { name: 'Aegees cannot reach your system keychain' })).toBeVisible();
  } finally {
    child.kill('SIGTERM');
    await exited;
    rmSync(root, { recursive: true, force: true });
  }
});
