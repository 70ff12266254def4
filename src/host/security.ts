// The browser target's guards: a per-launch secret the page must present on the WebSocket
// upgrade, and checks that the request really comes from our own page on 127.0.0.1.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { WIRE_PROTOCOL, WIRE_TOKEN_PREFIX } from '../common/api/wire.js';

/** 32 random bytes as base64url: valid inside a Sec-WebSocket-Protocol value and a URL fragment. */
export function newLaunchToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Constant-time comparison; hashing first makes the lengths equal so length leaks nothing either. */
export function tokensEqual(expected: string, presented: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(presented).digest();
  return timingSafeEqual(a, b);
}

export function offeredProtocols(request: IncomingMessage): string[] {
  const header = request.headers['sec-websocket-protocol'];
  return (header ?? '').split(',').map((part) => part.trim()).filter(Boolean);
}

export type UpgradeVerdict = { ok: true } | { ok: false; status: 400 | 401 | 403 | 404 | 421; reason: string };

export function checkUpgrade(request: IncomingMessage, expected: { origin: string; host: string; path: string; token: string }): UpgradeVerdict {
  const url = request.url ?? '';
  if (url !== expected.path) return { ok: false, status: 404, reason: 'no such endpoint' };
  // DNS rebinding: a foreign name resolving to 127.0.0.1 still carries its own Host.
  if (request.headers.host !== expected.host) return { ok: false, status: 421, reason: 'wrong Host' };
  if (request.headers.origin !== expected.origin) return { ok: false, status: 403, reason: 'foreign Origin' };
  const protocols = offeredProtocols(request);
  if (!protocols.includes(WIRE_PROTOCOL)) return { ok: false, status: 400, reason: `subprotocol ${WIRE_PROTOCOL} required` };
  const presented = protocols.find((p) => p.startsWith(WIRE_TOKEN_PREFIX))?.slice(WIRE_TOKEN_PREFIX.length);
  if (presented === undefined || !tokensEqual(expected.token, presented)) return { ok: false, status: 401, reason: 'missing or wrong token' };
  return { ok: true };
}

/** Headers on every HTTP response: the page may talk only to this host's WebSocket and may not be framed. */
export function securityHeaders(wsOrigin: string): Record<string, string> {
  return {
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' blob: data:",
      `connect-src ${wsOrigin}`,
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  };
}
