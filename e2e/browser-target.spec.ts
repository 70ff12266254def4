// Smoke test of the browser target with real parts only: Debian's Chromium, the built
// renderer bundle and the web host. Nothing here reaches the messenger engine (the spec
// checks that); flows with accounts and messages need the engine and come with it.
import { expect, test } from '@playwright/test';
import type { WebHost } from '../src/host/web-host.js';
import { startBrowserTarget, startForeignOrigin, unreachableEngine } from './harness.js';

let host: WebHost;
let engine: ReturnType<typeof unreachableEngine>;

test.beforeEach(async () => {
  engine = unreachableEngine();
  host = await startBrowserTarget(engine.handlers, engine.events);
});

test.afterEach(async () => {
  await host.close();
  expect(engine.calls).toEqual([]);
});

/** Opens a WebSocket from inside the page and reports whether the host let it open. */
function tryWebSocket(url: string, protocols: string[]): string {
  return `new Promise((resolve) => {
    const socket = new WebSocket(${JSON.stringify(url)}, ${JSON.stringify(protocols)});
    socket.onopen = () => { socket.close(); resolve('open'); };
    socket.onerror = () => resolve('refused');
  })`;
}

test('without the launch link the page says which address to open', async ({ page }) => {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  const response = await page.goto(host.origin);
  expect(response?.headers()['content-security-policy']).toContain(`connect-src ws://127.0.0.1:${host.port}`);
  await expect(page.getByRole('heading', { name: 'Open Aegees from its own link' })).toBeVisible();
  expect(problems).toEqual([]);
});

test('the page cannot open the API socket without the token, or with a wrong one', async ({ page }) => {
  await page.goto(host.origin);
  const url = `ws://127.0.0.1:${host.port}/api`;
  expect(await page.evaluate(tryWebSocket(url, ['aegees.v1']))).toBe('refused');
  expect(await page.evaluate(tryWebSocket(url, ['aegees.v1', `aegees-token.${'x'.repeat(43)}`]))).toBe('refused');
});

test('another site cannot use the API even when it knows the token', async ({ page }) => {
  const foreign = await startForeignOrigin();
  try {
    await page.goto(foreign.origin);
    const url = `ws://127.0.0.1:${host.port}/api`;
    expect(await page.evaluate(tryWebSocket(url, ['aegees.v1', `aegees-token.${host.token}`]))).toBe('refused');
  } finally {
    await foreign.close();
  }
});

test('the strict CSP of the page itself blocks sockets to anywhere but the host', async ({ page }) => {
  await page.goto(host.origin);
  const foreign = await startForeignOrigin();
  try {
    const violated = await page.evaluate(`new Promise((resolve) => {
      document.addEventListener('securitypolicyviolation', (event) => resolve(event.effectiveDirective));
      const socket = new WebSocket(${JSON.stringify(foreign.origin.replace('http', 'ws'))});
      socket.onopen = () => resolve('open');
    })`);
    expect(violated).toBe('connect-src');
  } finally {
    await foreign.close();
  }
});
