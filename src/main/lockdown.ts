// Policies applied to every web contents and to the session: the app is one page that never
// navigates, opens no windows, embeds no webviews, asks for almost no permissions and
// downloads only what it saved itself. Everything not allowed here is refused.
import type { Event, HandlerDetails, WebContents, WebContentsWillFrameNavigateEventParams, WebContentsWillNavigateEventParams } from 'electron';
import { APP_ORIGIN, isAppUrl } from './app-origin.js';

export type ShellLog = (message: string, fields?: Record<string, unknown>) => void;

/** The origin alone: enough to tell what was refused without writing a message's link to the log. */
export function originOf(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.origin === 'null' ? `${parsed.protocol}` : parsed.origin;
  } catch {
    return 'unparseable URL';
  }
}

type LockableContents = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/** Called for each web contents as it is created (app 'web-contents-created'). */
export function lockDownWebContents(contents: LockableContents, log: ShellLog): void {
  // In-page navigations (#fragment, history API) do not raise these events; every other
  // navigation would leave our page, and with it the CSP and the IPC guard's origin.
  contents.on('will-navigate', (event: Event<WebContentsWillNavigateEventParams>) => {
    event.preventDefault();
    log('navigation refused', { to: originOf(event.url) });
  });
  contents.on('will-frame-navigate', (event: Event<WebContentsWillFrameNavigateEventParams>) => {
    if (event.isMainFrame) return;
    event.preventDefault();
    log('subframe navigation refused', { to: originOf(event.url) });
  });
  contents.setWindowOpenHandler((details: HandlerDetails) => {
    log('new window refused', { to: originOf(details.url) });
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    log('webview refused');
  });
}

/**
 * Permissions the page may have: writing to the clipboard (the "Copy" buttons for invite
 * and link codes), from our own top-level page. Notifications come from the main process,
 * so the page needs no notification permission; everything else is refused.
 */
const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-sanitized-write']);

export function permissionAllowed(permission: string, requestingUrl: string | undefined, isMainFrame: boolean): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isMainFrame && requestingUrl !== undefined && isAppUrl(requestingUrl);
}

/** Only files the page itself saves (blob URLs it made from attachment bytes) are downloaded. */
export function downloadAllowed(url: string): boolean {
  return url.startsWith(`blob:${APP_ORIGIN}/`);
}
