// aegees://app serves the renderer bundle with the browser target's security headers and a
// CSP that lets the page connect nowhere; nothing outside the bundle is reachable.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { securityHeaders } from '../../../src/host/security.js';
import { APP_ENTRY_URL, APP_SCHEME_PRIVILEGES, isAppUrl } from '../../../src/main/app-origin.js';
import { APP_HEADERS, createAppProtocolHandler } from '../../../src/main/app-protocol.js';

const root = mkdtempSync(join(tmpdir(), 'aegees-protocol-'));
const bundle = join(root, 'renderer');
mkdirSync(join(bundle, 'assets'), { recursive: true });
writeFileSync(join(bundle, 'index.html'), '<!doctype html><title>Aegees</title>');
writeFileSync(join(bundle, 'assets', 'index.js'), 'console.log(1)');
writeFileSync(join(root, 'outside.txt'), 'not part of the bundle');
const handle = createAppProtocolHandler(bundle);

afterAll(() => rmSync(root, { recursive: true, force: true }));

function directives(csp: string): Map<string, string> {
  return new Map(csp.split(';').map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name!, values.join(' ')]));
}

describe('app protocol', () => {
  it('serves the entry page with the CSP and the other security headers', async () => {
    const response = await handle(new Request(APP_ENTRY_URL));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toContain('<title>Aegees</title>');
    for (const [name, value] of Object.entries(APP_HEADERS)) expect(response.headers.get(name)).toBe(value);
  });

  it("keeps every directive of the browser target's CSP, but the page may connect nowhere", () => {
    const ours = directives(APP_HEADERS['Content-Security-Policy']!);
    const host = directives(securityHeaders('ws://127.0.0.1:1234')['Content-Security-Policy']!);
    expect(ours.get('connect-src')).toBe("'none'");
    for (const [name, value] of host) if (name !== 'connect-src') expect(ours.get(name)).toBe(value);
    expect(ours.get('script-src')).toBe("'self'");
    expect(ours.get('object-src')).toBe("'none'");
    expect(ours.get('frame-ancestors')).toBe("'none'");
  });

  it('serves bundle assets with their type; HEAD has headers and no body', async () => {
    const script = await handle(new Request('aegees://app/assets/index.js'));
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const head = await handle(new Request('aegees://app/assets/index.js', { method: 'HEAD' }));
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it.each([
    ['a file outside the bundle', 'aegees://app/%2e%2e/outside.txt'],
    ['an encoded separator escape', 'aegees://app/assets%2f..%2f..%2foutside.txt'],
    ['a missing file', 'aegees://app/nothing.js'],
    ['a directory', 'aegees://app/assets'],
    ['another host on our scheme', 'aegees://other/index.html'],
    ['another scheme', 'https://example.org/index.html'],
  ])('answers 404 for %s, still with the CSP', async (_what, url) => {
    const response = await handle(new Request(url));
    expect(response.status).toBe(404);
    expect(response.headers.get('content-security-policy')).toBe(APP_HEADERS['Content-Security-Policy']);
  });

  it('refuses methods other than GET and HEAD', async () => {
    expect((await handle(new Request(APP_ENTRY_URL, { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('registers a standard, secure scheme whose URLs the guard recognises', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ scheme: 'aegees', privileges: { standard: true, secure: true } });
    expect(isAppUrl(APP_ENTRY_URL)).toBe(true);
  });
});
