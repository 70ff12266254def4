// Frames of the loopback WebSocket transport (browser target). Frames are JSON text;
// Uint8Array values travel as {"$bytes": "<base64>"} because JSON has no bytes. Both ends
// validate every frame they receive with these schemas before acting on it.
import { z } from 'zod';
import { AegeesError } from '../errors.js';
import { ApiErrorPayload } from './errors.js';
import { LIMITS } from './limits.js';

/** Offered by the client and selected by the host; any other protocol is refused. */
export const WIRE_PROTOCOL = 'aegees.v1';
/** The per-launch token rides in a second offered subprotocol, so it never appears in a URL or a cookie. */
export const WIRE_TOKEN_PREFIX = 'aegees-token.';
export const WIRE_PATH = '/api';
/** One frame holds at most one attachment of the largest inline size, base64-encoded, plus room for the rest. */
export const WIRE_MAX_FRAME_BYTES = Math.ceil((LIMITS.maxInlineAttachmentBytes * 4) / 3) + 1024 * 1024;
/** Close codes the host uses; 4000–4999 are free for applications. */
export const WIRE_CLOSE = { tooSlow: 4008, shuttingDown: 1001, tooLarge: 1009 } as const;

const FrameId = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

export const CallFrame = z.object({ t: z.literal('call'), id: FrameId, method: z.string().max(64), args: z.unknown() }).strict();
export type CallFrame = z.infer<typeof CallFrame>;

export const HostFrame = z.discriminatedUnion('t', [
  z.object({ t: z.literal('ok'), id: FrameId, result: z.unknown() }).strict(),
  z.object({ t: z.literal('fail'), id: FrameId, error: ApiErrorPayload }).strict(),
  z.object({ t: z.literal('event'), event: z.string().max(64), payload: z.unknown() }).strict(),
  /** A frame the host could not read at all (no usable id): the connection stays open. */
  z.object({ t: z.literal('error'), error: ApiErrorPayload }).strict(),
]);
export type HostFrame = z.infer<typeof HostFrame>;

const BYTES_TAG = '$bytes';

export function encodeFrame(frame: CallFrame | HostFrame): string {
  return JSON.stringify(frame, function replacer(this: Record<string, unknown>, key, value: unknown) {
    // The holder's own value, not `value`: a Node Buffer has already been through toJSON here.
    const original = this[key];
    if (original instanceof Uint8Array) return { [BYTES_TAG]: encodeBase64(original) };
    if (isPlainObject(value) && Object.hasOwn(value, BYTES_TAG)) throw new AegeesError('MALFORMED', `a "${BYTES_TAG}" key cannot be sent`);
    return value;
  });
}

/** Parses JSON text and revives tagged bytes; throws MALFORMED on anything else. The result still needs a schema. */
export function decodeFrame(text: string): unknown {
  try {
    return JSON.parse(text, (_key, value: unknown) => {
      if (!isPlainObject(value) || !Object.hasOwn(value, BYTES_TAG)) return value;
      const encoded = value[BYTES_TAG];
      if (Object.keys(value).length !== 1 || typeof encoded !== 'string') throw new AegeesError('MALFORMED', 'malformed bytes value');
      return decodeBase64(encoded);
    });
  } catch (error) {
    if (error instanceof AegeesError) throw error;
    throw new AegeesError('MALFORMED', 'frame is not JSON');
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

// common has neither Buffer nor atob, so base64 is written out here.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

export function encodeBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = i + 1 < bytes.length ? bytes[i + 1]! : 0;
    const c = i + 2 < bytes.length ? bytes[i + 2]! : 0;
    chunk +=
      ALPHABET[a >> 2]! +
      ALPHABET[((a & 3) << 4) | (b >> 4)]! +
      (i + 1 < bytes.length ? ALPHABET[((b & 15) << 2) | (c >> 6)]! : '=') +
      (i + 2 < bytes.length ? ALPHABET[c & 63]! : '=');
    // Joining fixed-size pieces keeps string building linear for large attachments.
    if (chunk.length >= 8192) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return parts.join('');
}

export function decodeBase64(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new AegeesError('MALFORMED', 'malformed base64');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const v0 = sextet(text, i);
    const v1 = sextet(text, i + 1);
    const v2 = last && padding === 2 ? 0 : sextet(text, i + 2);
    const v3 = last && padding >= 1 ? 0 : sextet(text, i + 3);
    const n = (v0 << 18) | (v1 << 12) | (v2 << 6) | v3;
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

function sextet(text: string, index: number): number {
  const code = text.charCodeAt(index);
  const value = code < 128 ? LOOKUP[code]! : -1;
  if (value < 0) throw new AegeesError('MALFORMED', 'malformed base64');
  return value;
}
