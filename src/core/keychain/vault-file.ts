// Byte layout of the passphrase vault (all integers big-endian):
//
//   magic "AEGV" | version u8 = 1 | algorithm u8 = 2 (Argon2id v1.3)
//   | opslimit u32 | memlimit u32 (KiB) | salt 16 | nonce 24          <- header, the AEAD's AD
//   | XChaCha20-Poly1305 ciphertext of the secrets | BLAKE2b-256 of everything before it
//
// The unkeyed checksum only tells a damaged file from a wrong passphrase (both would
// otherwise fail the same AEAD check); authenticity comes from the AEAD alone.
//
// Secrets plaintext: count u16, then per secret (sorted by name): name length u8, name
// (ASCII), value length u32, value.
import { AegeesError } from '../../common/errors.js';
import {
  AEAD_NONCE_BYTES, AEAD_TAG_BYTES, PWHASH_INTERACTIVE, PWHASH_SALT_BYTES, blake2b, constantTimeEqual,
  secureBuffer, wipe, type PwhashLimits,
} from '../crypto/sodium.js';
import { MAX_SECRET_BYTES, isSecretName } from './secret-store.js';

const MAGIC = Buffer.from('AEGV', 'ascii');
export const VAULT_VERSION = 1;
const ALGORITHM_ARGON2ID13 = 2;
export const VAULT_HEADER_BYTES = MAGIC.length + 1 + 1 + 4 + 4 + PWHASH_SALT_BYTES + AEAD_NONCE_BYTES;
const CHECKSUM_BYTES = 32;
const MAX_SECRETS = 0xffff;
// A crafted file must not be able to demand unbounded work or memory before the AEAD
// check; 16 passes and 1 GiB are above anything Aegees writes.
const MAX_OPSLIMIT = 16;
const MAX_MEMLIMIT = 1024 * 1024 * 1024;

export interface VaultHeader {
  readonly limits: PwhashLimits;
  readonly salt: Uint8Array;
  readonly nonce: Uint8Array;
}

export interface ParsedVault {
  readonly header: VaultHeader;
  /** The encoded header, authenticated as the AEAD's associated data. */
  readonly headerBytes: Buffer;
  readonly ciphertext: Buffer;
}

export function checkVaultLimits(limits: PwhashLimits): void {
  const { opslimit, memlimit } = limits;
  const valid =
    Number.isInteger(opslimit) && opslimit >= PWHASH_INTERACTIVE.opslimit && opslimit <= MAX_OPSLIMIT &&
    Number.isInteger(memlimit) && memlimit >= PWHASH_INTERACTIVE.memlimit && memlimit <= MAX_MEMLIMIT &&
    memlimit % 1024 === 0;
  if (!valid) {
    throw new AegeesError('INVALID_ARGUMENT', `Argon2id limits out of range: opslimit ${opslimit}, memlimit ${memlimit}`);
  }
}

export function encodeVaultHeader(header: VaultHeader): Buffer {
  const out = Buffer.alloc(VAULT_HEADER_BYTES);
  let at = MAGIC.copy(out, 0);
  at = out.writeUInt8(VAULT_VERSION, at);
  at = out.writeUInt8(ALGORITHM_ARGON2ID13, at);
  at = out.writeUInt32BE(header.limits.opslimit, at);
  at = out.writeUInt32BE(header.limits.memlimit / 1024, at);
  at += Buffer.from(header.salt).copy(out, at);
  Buffer.from(header.nonce).copy(out, at);
  return out;
}

export function encodeVaultFile(headerBytes: Uint8Array, ciphertext: Uint8Array): Buffer {
  const body = Buffer.concat([headerBytes, ciphertext]);
  return Buffer.concat([body, blake2b(CHECKSUM_BYTES, body)]);
}

export function parseVaultFile(bytes: Buffer): ParsedVault {
  if (bytes.length < MAGIC.length + 1 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new AegeesError('MALFORMED', 'not an Aegees passphrase vault');
  }
  const version = bytes.readUInt8(MAGIC.length);
  if (version !== VAULT_VERSION) {
    throw new AegeesError('UNSUPPORTED_VERSION', `passphrase vault version ${version} is not supported (this build reads version ${VAULT_VERSION})`);
  }
  if (bytes.length < VAULT_HEADER_BYTES + AEAD_TAG_BYTES + CHECKSUM_BYTES) {
    throw new AegeesError('MALFORMED', 'passphrase vault is truncated');
  }
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  if (!constantTimeEqual(blake2b(CHECKSUM_BYTES, body), bytes.subarray(body.length))) {
    throw new AegeesError('MALFORMED', 'passphrase vault is damaged (checksum mismatch)');
  }
  let at = MAGIC.length + 1;
  const algorithm = bytes.readUInt8(at++);
  if (algorithm !== ALGORITHM_ARGON2ID13) throw new AegeesError('MALFORMED', `unknown key derivation algorithm ${algorithm}`);
  const opslimit = bytes.readUInt32BE(at);
  const memlimit = bytes.readUInt32BE(at + 4) * 1024;
  at += 8;
  const limits = { opslimit, memlimit };
  try {
    checkVaultLimits(limits);
  } catch (cause) {
    throw new AegeesError('MALFORMED', `passphrase vault has out-of-range Argon2id limits (${opslimit}, ${memlimit})`, { cause });
  }
  const salt = body.subarray(at, at + PWHASH_SALT_BYTES);
  at += PWHASH_SALT_BYTES;
  const nonce = body.subarray(at, at + AEAD_NONCE_BYTES);
  return {
    header: { limits, salt, nonce },
    headerBytes: body.subarray(0, VAULT_HEADER_BYTES),
    ciphertext: body.subarray(VAULT_HEADER_BYTES),
  };
}

/** Encodes the secrets into guarded memory; the caller wipes the result. */
export function encodeSecrets(secrets: ReadonlyMap<string, Uint8Array>): Buffer {
  if (secrets.size > MAX_SECRETS) throw new AegeesError('TOO_LARGE', `a vault holds at most ${MAX_SECRETS} secrets`);
  const entries = [...secrets].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let length = 2;
  for (const [name, value] of entries) length += 1 + name.length + 4 + value.length;
  const out = secureBuffer(length);
  let at = out.writeUInt16BE(entries.length, 0);
  for (const [name, value] of entries) {
    at = out.writeUInt8(name.length, at);
    at += out.write(name, at, 'ascii');
    at = out.writeUInt32BE(value.length, at);
    out.set(value, at);
    at += value.length;
  }
  return out;
}

/** Decodes secrets into separate guarded buffers; the caller wipes `plaintext`. */
export function decodeSecrets(plaintext: Buffer): Map<string, Buffer> {
  const secrets = new Map<string, Buffer>();
  const malformed = (why: string): AegeesError => {
    wipe(...secrets.values());
    return new AegeesError('MALFORMED', `passphrase vault contents are malformed: ${why}`);
  };
  if (plaintext.length < 2) throw malformed('no secret count');
  const count = plaintext.readUInt16BE(0);
  let at = 2;
  for (let i = 0; i < count; i++) {
    if (at + 1 > plaintext.length) throw malformed('truncated name');
    const nameLength = plaintext.readUInt8(at++);
    if (at + nameLength + 4 > plaintext.length) throw malformed('truncated name');
    const name = plaintext.toString('ascii', at, at + nameLength);
    at += nameLength;
    if (!isSecretName(name) || secrets.has(name)) throw malformed('invalid or repeated name');
    const valueLength = plaintext.readUInt32BE(at);
    at += 4;
    if (valueLength === 0 || valueLength > MAX_SECRET_BYTES || at + valueLength > plaintext.length) {
      throw malformed(`bad length for ${name}`);
    }
    const value = secureBuffer(valueLength);
    plaintext.copy(value, 0, at, at + valueLength);
    at += valueLength;
    secrets.set(name, value);
  }
  if (at !== plaintext.length) throw malformed('trailing bytes');
  return secrets;
}
