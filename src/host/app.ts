// The browser-target app: one profile directory opened with the messenger engine, served
// to the renderer by the web host on 127.0.0.1. The page is served even when the profile
// cannot be opened (no keychain, a damaged store): the UI then says what is wrong, and
// every "Try again" opens the profile anew. The profile itself is a ProfileSession
// (src/core/app), the same one the Electron engine process serves.
import { fileURLToPath } from 'node:url';
import { ProfileSession, type ProfileSessionOptions } from '../core/app/profile-session.js';
import type { Messenger } from '../core/messenger/messenger.js';
import type { HostLog } from './api-socket.js';
import { startWebHost, type WebHost } from './web-host.js';

export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../dist/renderer', import.meta.url));

export interface AppOptions extends ProfileSessionOptions {
  /** The built renderer bundle; dist/renderer by default. */
  readonly staticDir?: string;
  /** 0 or absent picks a free port. */
  readonly port?: number;
  readonly log?: HostLog;
}

export interface App {
  readonly url: string;
  readonly origin: string;
  readonly port: number;
  /** The engine, once the profile is open. */
  readonly messenger: Messenger | undefined;
  close(): Promise<void>;
}

export async function startApp(options: AppOptions): Promise<App> {
  const log: HostLog = options.log ?? (() => {});
  const profile = new ProfileSession({ ...options, log });
  await profile.open();
  let host: WebHost;
  try {
    host = await startWebHost({
      handlers: profile.handlers,
      events: profile.events,
      staticDir: options.staticDir ?? DEFAULT_STATIC_DIR,
      ...(options.port !== undefined ? { port: options.port } : {}),
      log,
    });
  } catch (error) {
    await profile.close();
    throw error;
  }
  return {
    url: host.url,
    origin: host.origin,
    port: host.port,
    get messenger() {
      return profile.messenger;
    },
    async close() {
      await host.close();
      await profile.close();
    },
  };
}
