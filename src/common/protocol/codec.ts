// The canonical binary encoding every signed or encrypted Aegees structure uses
// (docs/PROTOCOL.md §1): big-endian fixed-width integers, fixed-size byte fields, and
// length-prefixed variable fields whose prefix width is fixed per field. With no varints,
// no optional fields and no trailing bytes, every value has exactly one encoding, so a
// signature over the bytes is a signature over the value.
import { AegeesError } from '../errors.js';

const MAX_U64 = Number.MAX_SAFE_INTEGER;

export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor(initialCapacity = 256) {
    this.buffer = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buffer.buffer);
  }

  u8(value: number): this {
    checkInteger(value, 0xff, 'u8');
    this.reserve(1)[0] = value;
    return this;
  }

  u16(value: number): this {
    checkInteger(value, 0xffff, 'u16');
    const at = this.offsetAfterReserve(2);
    this.view.setUint16(at, value);
    return this;
  }

  u32(value: number): this {
    checkInteger(value, 0xffff_ffff, 'u32');
    const at = this.offsetAfterReserve(4);
    this.view.setUint32(at, value);
    return this;
  }

  /** Unsigned 64-bit; values are limited to 2^53 − 1 so they survive a JavaScript number. */
  u64(value: number): this {
    checkInteger(value, MAX_U64, 'u64');
    const at = this.offsetAfterReserve(8);
    this.view.setUint32(at, Math.floor(value / 0x1_0000_0000));
    this.view.setUint32(at + 4, value % 0x1_0000_0000);
    return this;
  }

  /** A field whose length the format fixes; the caller states that length. */
  fixed(bytes: Uint8Array, length: number, what: string): this {
    if (bytes.length !== length) {
      throw new AegeesError('INVALID_ARGUMENT', `${what} must be ${length} bytes, got ${bytes.length}`);
    }
    this.reserve(length).set(bytes);
    return this;
  }

  /** Bytes with a big-endian length prefix of `prefixBytes` (1, 2 or 4) bytes. */
  prefixed(bytes: Uint8Array, prefixBytes: 1 | 2 | 4, max: number, what: string): this {
    if (bytes.length > max) throw new AegeesError('TOO_LARGE', `${what} is ${bytes.length} bytes; the limit is ${max}`);
    if (prefixBytes === 1) this.u8(bytes.length);
    else if (prefixBytes === 2) this.u16(bytes.length);
    else this.u32(bytes.length);
    this.reserve(bytes.length).set(bytes);
    return this;
  }

  string(value: string, prefixBytes: 1 | 2, max: number, what: string): this {
    return this.prefixed(utf8Encode(value, what), prefixBytes, max, what);
  }

  /** Printable ASCII only (0x21–0x7e): URLs, media types. */
  ascii(value: string, prefixBytes: 1 | 2, min: number, max: number, what: string): this {
    const bytes = utf8Encode(value, what);
    checkPrintableAscii(bytes, min, what, 'INVALID_ARGUMENT');
    return this.prefixed(bytes, prefixBytes, max, what);
  }

  /** The bytes written so far, as a copy the writer no longer touches. */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private offsetAfterReserve(size: number): number {
    this.reserve(size);
    return this.length - size;
  }

  private reserve(size: number): Uint8Array {
    const needed = this.length + size;
    if (needed > this.buffer.length) {
      let capacity = this.buffer.length * 2;
      while (capacity < needed) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    const slot = this.buffer.subarray(this.length, needed);
    this.length = needed;
    return slot;
  }
}

/**
 * Reads one structure from a byte string. Every failure is an AegeesError: MALFORMED for
 * bytes that are not a canonical encoding, TOO_LARGE for a declared length over its limit.
 * Returned byte fields are copies, so the input may be wiped or reused afterwards.
 */
export class ByteReader {
  private offset = 0;
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.offset++]!;
  }

  u16(field: string): number {
    this.need(2, field);
    const value = this.view.getUint16(this.offset);
    this.offset += 2;
    return value;
  }

  u32(field: string): number {
    this.need(4, field);
    const value = this.view.getUint32(this.offset);
    this.offset += 4;
    return value;
  }

  u64(field: string): number {
    this.need(8, field);
    const high = this.view.getUint32(this.offset);
    const low = this.view.getUint32(this.offset + 4);
    if (high > 0x1f_ffff) this.fail(`${field} is larger than 2^53 − 1`);
    this.offset += 8;
    return high * 0x1_0000_0000 + low;
  }

  /** An integer that must lie in [min, max]. */
  count(prefixBytes: 1 | 2, min: number, max: number, field: string): number {
    const value = prefixBytes === 1 ? this.u8(field) : this.u16(field);
    if (value < min) this.fail(`${field} is ${value}; at least ${min} required`);
    if (value > max) throw new AegeesError('TOO_LARGE', `${this.what}: ${field} is ${value}; the limit is ${max}`);
    return value;
  }

  fixed(length: number, field: string): Uint8Array {
    this.need(length, field);
    // A copy, not a view: Buffer#slice (the input is often a Buffer) would share memory.
    const out = new Uint8Array(this.bytes.subarray(this.offset, this.offset + length));
    this.offset += length;
    return out;
  }

  prefixed(prefixBytes: 1 | 2 | 4, max: number, field: string): Uint8Array {
    const length = prefixBytes === 1 ? this.u8(field) : prefixBytes === 2 ? this.u16(field) : this.u32(field);
    if (length > max) {
      throw new AegeesError('TOO_LARGE', `${this.what}: ${field} is ${length} bytes; the limit is ${max}`);
    }
    return this.fixed(length, field);
  }

  string(prefixBytes: 1 | 2, max: number, field: string): string {
    const bytes = this.prefixed(prefixBytes, max, field);
    const value = utf8Decode(bytes);
    if (value === undefined) this.fail(`${field} is not valid UTF-8`);
    return value;
  }

  ascii(prefixBytes: 1 | 2, min: number, max: number, field: string): string {
    const bytes = this.prefixed(prefixBytes, max, field);
    checkPrintableAscii(bytes, min, `${this.what}: ${field}`, 'MALFORMED');
    return String.fromCharCode(...bytes);
  }

  /** A copy of the bytes consumed since `start`: what a signature or AD covers. */
  consumedSince(start: number): Uint8Array {
    return new Uint8Array(this.bytes.subarray(start, this.offset));
  }

  end(): void {
    if (this.remaining !== 0) this.fail(`${this.remaining} trailing bytes`);
  }

  fail(reason: string): never {
    throw new AegeesError('MALFORMED', `${this.what}: ${reason}`);
  }

  private need(length: number, field: string): void {
    if (this.remaining < length) this.fail(`truncated in ${field}`);
  }
}

function checkInteger(value: number, max: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new AegeesError('INVALID_ARGUMENT', `${value} does not fit in ${what}`);
  }
}

function checkPrintableAscii(bytes: Uint8Array, min: number, what: string, code: 'MALFORMED' | 'INVALID_ARGUMENT'): void {
  if (bytes.length < min) throw new AegeesError(code, `${what} is shorter than ${min} bytes`);
  for (const byte of bytes) {
    if (byte < 0x21 || byte > 0x7e) throw new AegeesError(code, `${what} must be printable ASCII without spaces`);
  }
}

/**
 * Domain-separation prefix: a one-byte length and the ASCII label. Every hash and signature
 * input in the protocol starts with one, so no two purposes can share an input.
 */
export function domainPrefix(label: string): Uint8Array {
  const bytes = utf8Encode(label, 'domain label');
  if (bytes.length === 0 || bytes.length > 0xff) throw new RangeError(`bad domain label ${label}`);
  const out = new Uint8Array(1 + bytes.length);
  out[0] = bytes.length;
  out.set(bytes, 1);
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Lexicographic byte order, the order canonical lists are sorted in. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/** Equality of public values (not constant time: never use it on secrets). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) {
    throw new AegeesError('INVALID_ARGUMENT', 'not an even-length hexadecimal string');
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/**
 * Strict UTF-8 (RFC 3629), written out because src/common has no TextEncoder: a string with
 * an unpaired surrogate has no UTF-8 form, so it is refused instead of silently replaced.
 */
export function utf8Encode(value: string, what: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < value.length; i++) {
    let code = value.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = value.charCodeAt(i + 1);
      if (code > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) {
        throw new AegeesError('INVALID_ARGUMENT', `${what} contains an unpaired surrogate`);
      }
      code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
      i++;
    }
    if (code < 0x80) out.push(code);
    else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else {
      out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    }
  }
  return Uint8Array.from(out);
}

/** Decodes strict UTF-8, or returns undefined for overlong forms, surrogates or bad bytes. */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  const codes: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    const first = bytes[i]!;
    let code: number;
    let extra: number;
    let min: number;
    if (first < 0x80) [code, extra, min] = [first, 0, 0];
    else if (first >= 0xc2 && first <= 0xdf) [code, extra, min] = [first & 0x1f, 1, 0x80];
    else if (first >= 0xe0 && first <= 0xef) [code, extra, min] = [first & 0x0f, 2, 0x800];
    else if (first >= 0xf0 && first <= 0xf4) [code, extra, min] = [first & 0x07, 3, 0x10000];
    else return undefined;
    for (let k = 1; k <= extra; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return undefined;
      code = (code << 6) | (next & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined;
    codes.push(code);
    i += extra + 1;
  }
  let out = '';
  for (let start = 0; start < codes.length; start += 4096) {
    out += String.fromCodePoint(...codes.slice(start, start + 4096));
  }
  return out;
}
