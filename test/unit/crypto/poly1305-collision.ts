// Builds an XChaCha20-Poly1305 ciphertext that authenticates under two different keys (the
// "invisible salamanders" / partitioning-oracle construction): Poly1305 is linear in each
// message block, so one free ciphertext block can be solved for so that both keys'
// tags agree. Uses @noble/ciphers only to read each key's one-time Poly1305 key.
import { xchacha20 } from '@noble/ciphers/chacha.js';
import { randomBytes } from 'node:crypto';

const P = (1n << 130n) - 5n;
const TWO_128 = 1n << 128n;
const CLAMP = 0x0ffffffc0ffffffc0ffffffc0fffffffn;

function le(bytes: Uint8Array): bigint {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  return value;
}

function toLe16(value: bigint): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

function mod(value: bigint): bigint {
  return ((value % P) + P) % P;
}

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

function pad16(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / 16) * 16);
  out.set(bytes);
  return out;
}

/** Poly1305 blocks of the IETF AEAD construction: AD, ciphertext, lengths. */
function macBlocks(ad: Uint8Array, ciphertext: Uint8Array): bigint[] {
  const lengths = new Uint8Array(16);
  new DataView(lengths.buffer).setBigUint64(0, BigInt(ad.length), true);
  new DataView(lengths.buffer).setBigUint64(8, BigInt(ciphertext.length), true);
  const input = new Uint8Array([...pad16(ad), ...pad16(ciphertext), ...lengths]);
  const blocks: bigint[] = [];
  for (let i = 0; i < input.length; i += 16) blocks.push(le(input.subarray(i, i + 16)) + TWO_128);
  return blocks;
}

function polyKey(key: Uint8Array, nonce: Uint8Array): { r: bigint; s: bigint } {
  const block = xchacha20(key, nonce, new Uint8Array(32));
  return { r: le(block.subarray(0, 16)) & CLAMP, s: le(block.subarray(16, 32)) };
}

function polyHash(blocks: readonly bigint[], r: bigint): bigint {
  let h = 0n;
  for (const block of blocks) h = ((h + block) * r) % P;
  return h;
}

/**
 * A ciphertext (with tag) of `length` bytes plus 16 that decrypts under both keys with the
 * same nonce and associated data. `length` must be a positive multiple of 16.
 */
export function ciphertextForTwoKeys(key1: Uint8Array, key2: Uint8Array, nonce: Uint8Array, ad: Uint8Array, length: number): Uint8Array {
  const k1 = polyKey(key1, nonce);
  const k2 = polyKey(key2, nonce);
  const adBlocks = pad16(ad).length / 16;
  for (;;) {
    const ciphertext = new Uint8Array(randomBytes(length));
    const blocks = macBlocks(ad, ciphertext);
    const free = adBlocks; // the first ciphertext block
    const exponent = BigInt(blocks.length - free);
    blocks[free] = 0n;
    const a1 = polyHash(blocks, k1.r);
    const a2 = polyHash(blocks, k2.r);
    // Want a1 + x·r1^e + s1 = a2 + x·r2^e + s2, first mod p, then exactly.
    const x = mod((k2.s - k1.s - a1 + a2) * power(power(k1.r, exponent) - power(k2.r, exponent), P - 2n));
    if (x < TWO_128 || x >= 2n * TWO_128) continue;
    const h1 = mod(a1 + x * power(k1.r, exponent));
    const h2 = mod(a2 + x * power(k2.r, exponent));
    if ((h1 + k1.s) % TWO_128 !== (h2 + k2.s) % TWO_128) continue;
    ciphertext.set(toLe16(x - TWO_128), 0);
    return new Uint8Array([...ciphertext, ...toLe16((h1 + k1.s) % TWO_128)]);
  }
}
