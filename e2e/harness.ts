// Starts the browser target for a spec: the real web host serving dist/renderer, with the
// key-holding side passed in. Specs that need a messenger plug the engine in here.
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { ApiHandlers } from '../src/common/api/contract.js';
import type { ApiEventSource } from '../src/common/api/transport.js';
import { AegeesError } from '../src/common/errors.js';
import { startWebHost, type WebHost } from '../src/host/web-host.js';

export const BUNDLE_DIR = new URL('../dist/renderer', import.meta.url).pathname;

export function startBrowserTarget(handlers: ApiHandlers, events: ApiEventSource): Promise<WebHost> {
  return startWebHost({ handlers, events, staticDir: BUNDLE_DIR });
}

/**
 * For specs that must never reach the key-holding side: every method refuses, and the
 * spec asserts that none was called. This is not a stand-in engine.
 */
export function unreachableEngine(): { handlers: ApiHandlers; events: EventEmitter; calls: string[] } {
  const calls: string[] = [];
  const handlers = new Proxy({} as ApiHandlers, {
    get: (_target, name) => async () => {
      calls.push(String(name));
      throw new AegeesError('INTERNAL', 'no engine in this spec');
    },
  });
  return { handlers, events: new EventEmitter(), calls };
}

/** A page on another loopback origin, standing in for any other site the person has open. */
export async function startForeignOrigin(): Promise<{ origin: string; close: () => Promise<void> }> {
  const server: Server = createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>another site</title><p>another site</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
