// Serves the built renderer bundle read-only. Only GET and HEAD, only files inside the
// bundle directory; everything else is a plain-text error.
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

/** The bundle's file types; the Electron shell serves the same bundle with the same types. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export async function serveStatic(root: string, request: IncomingMessage, response: ServerResponse, headers: Record<string, string>): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return plain(response, 405, 'method not allowed', headers);
  const file = resolveInside(root, request.url ?? '/');
  if (file === null) return plain(response, 404, 'not found', headers);
  try {
    const info = await stat(file);
    if (!info.isFile()) return plain(response, 404, 'not found', headers);
    const body = await readFile(file);
    response.writeHead(200, { ...headers, 'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.length });
    response.end(request.method === 'HEAD' ? undefined : body);
  } catch {
    plain(response, 404, 'not found', headers);
  }
}

/** Maps a URL path to a file under root, or null when it would leave root. */
export function resolveInside(root: string, url: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(new URL(url, 'http://host').pathname);
  } catch {
    return null;
  }
  if (path.includes('\0')) return null;
  const relative = normalize(path === '/' ? '/index.html' : path).replace(/^([/\\])+/, '');
  const full = join(root, relative);
  const base = root.endsWith(sep) ? root : root + sep;
  return full.startsWith(base) ? full : null;
}

export function plain(response: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(text);
}
