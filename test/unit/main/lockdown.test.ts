// Navigation, new windows, webviews, permissions and downloads: refused unless listed.
import { EventEmitter } from 'node:events';
import type { HandlerDetails, WindowOpenHandlerResponse } from 'electron';
import { describe, expect, it } from 'vitest';
import { downloadAllowed, lockDownWebContents, originOf, permissionAllowed } from '../../../src/main/lockdown.js';

/** Web contents stand-in: Electron's events are EventEmitter events with a preventDefault. */
function contents() {
  const emitter = new EventEmitter();
  let openHandler: ((details: HandlerDetails) => WindowOpenHandlerResponse) | undefined;
  const fake = Object.assign(emitter, {
    setWindowOpenHandler: (handler: (details: HandlerDetails) => WindowOpenHandlerResponse) => void (openHandler = handler),
  });
  const logs: [string, unknown][] = [];
  lockDownWebContents(fake as never, (message, fields) => logs.push([message, fields]));
  const event = (fields: Record<string, unknown> = {}) => {
    let prevented = false;
    return { ...fields, preventDefault: () => void (prevented = true), get prevented() { return prevented; } };
  };
  return { emitter, open: (url: string) => openHandler!({ url } as HandlerDetails), event, logs };
}

describe('lockDownWebContents', () => {
  it('refuses every navigation of the page and logs only where it was going', () => {
    const { emitter, event, logs } = contents();
    const navigation = event({ url: 'https://evil.example/phish?token=secret', isMainFrame: true });
    emitter.emit('will-navigate', navigation);
    expect(navigation.prevented).toBe(true);
    expect(logs).toEqual([['navigation refused', { to: 'https://evil.example' }]]);
  });

  it('refuses navigation in subframes; the main frame is left to will-navigate', () => {
    const { emitter, event } = contents();
    const sub = event({ url: 'https://evil.example/', isMainFrame: false });
    const top = event({ url: 'https://evil.example/', isMainFrame: true });
    emitter.emit('will-frame-navigate', sub);
    emitter.emit('will-frame-navigate', top);
    expect(sub.prevented).toBe(true);
    expect(top.prevented).toBe(false);
  });

  it('denies every new window, whatever it would show', () => {
    const { open, logs } = contents();
    for (const url of ['https://example.org/', 'aegees://app/index.html', 'about:blank', 'javascript:alert(1)']) expect(open(url)).toEqual({ action: 'deny' });
    expect(logs.every(([message]) => message === 'new window refused')).toBe(true);
  });

  it('refuses to attach a webview', () => {
    const { emitter, event } = contents();
    const attach = event();
    emitter.emit('will-attach-webview', attach);
    expect(attach.prevented).toBe(true);
  });
});

describe('permissionAllowed', () => {
  it('allows only clipboard writes from our own top-level page', () => {
    expect(permissionAllowed('clipboard-sanitized-write', 'aegees://app/index.html', true)).toBe(true);
    expect(permissionAllowed('clipboard-sanitized-write', 'aegees://app', true)).toBe(true);
  });

  it.each([
    ['a permission not on the list', 'notifications', 'aegees://app/index.html', true],
    ['the camera', 'media', 'aegees://app/index.html', true],
    ['reading the clipboard', 'clipboard-read', 'aegees://app/index.html', true],
    ['opening external programs', 'openExternal', 'aegees://app/index.html', true],
    ['a subframe', 'clipboard-sanitized-write', 'aegees://app/index.html', false],
    ['another origin', 'clipboard-sanitized-write', 'https://evil.example/', true],
    ['no origin at all', 'clipboard-sanitized-write', undefined, true],
  ])('refuses %s', (_what, permission, url, isMainFrame) => {
    expect(permissionAllowed(permission, url, isMainFrame)).toBe(false);
  });
});

describe('downloadAllowed', () => {
  it('allows only blob URLs the page made itself', () => {
    expect(downloadAllowed('blob:aegees://app/6b0c3bde-2a5f-4b8d-9a39-1d9c0a1f0e11')).toBe(true);
    expect(downloadAllowed('https://example.org/malware.exe')).toBe(false);
    expect(downloadAllowed('blob:https://example.org/6b0c3bde')).toBe(false);
    expect(downloadAllowed('data:application/octet-stream;base64,AAAA')).toBe(false);
  });
});

describe('originOf', () => {
  it('keeps the origin and drops path, query and fragment', () => {
    expect(originOf('https://example.org/a?b#c')).toBe('https://example.org');
    expect(originOf('javascript:alert(1)')).toBe('javascript:');
    expect(originOf('not a url')).toBe('unparseable URL');
  });
});
