// Where the app's own page lives. The renderer bundle is served from a privileged custom
// scheme rather than file://: file:// pages share one origin with every local file, while
// aegees://app is an origin of its own that the CSP, the IPC guard and the permission
// handler can name exactly.
import type { CustomScheme } from 'electron';

export const APP_SCHEME = 'aegees';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

export const APP_SCHEME_PRIVILEGES: CustomScheme = {
  scheme: APP_SCHEME,
  privileges: {
    // An origin with relative URLs, and a secure context (clipboard, crypto.subtle).
    standard: true,
    secure: true,
    // Vite's bundle loads as <script type="module" crossorigin>: CORS-mode requests on our own scheme.
    corsEnabled: true,
    supportFetchAPI: true,
  },
};

/** True only for a URL of the app's own origin: no other scheme, host, port or userinfo. */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
}
