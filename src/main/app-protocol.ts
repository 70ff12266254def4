// Serves the built renderer bundle (dist/renderer) on aegees://app/ with the same security
// headers as the browser target's web host (src/host/security.ts), except that the page may
// connect nowhere: in Electron the API runs over IPC, so connect-src is 'none'.
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { securityHeaders } from '../host/security.js';
import { CONTENT_TYPES, resolveInside } from '../host/static-files.js';
import { isAppUrl } from './app-origin.js';

export const APP_HEADERS: Readonly<Record<string, string>> = securityHeaders("'none'");

/** A handler for protocol.handle: only GET and HEAD of files inside `rootDir`, always with APP_HEADERS. */
export function createAppProtocolHandler(rootDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return plain(405, 'method not allowed');
    if (!isAppUrl(request.url)) return plain(404, 'not found');
    const file = resolveInside(rootDir, new URL(request.url).pathname);
    if (file === null) return plain(404, 'not found');
    try {
      if (!(await stat(file)).isFile()) return plain(404, 'not found');
      const body = await readFile(file);
      const headers = { ...APP_HEADERS, 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': String(body.length) };
      return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers });
    } catch {
      return plain(404, 'not found');
    }
  };
}

function plain(status: number, text: string): Response {
  return new Response(text, { status, headers: { ...APP_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' } });
}
