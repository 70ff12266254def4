// The backup file's header (docs/PROTOCOL.md §10): everything needed to turn the passphrase
// into the payload's stream key, readable before any key derivation runs. The unkeyed
// checksum only tells a damaged file from a wrong passphrase (both would otherwise fail
// the same AEAD check), and lets a damaged header be refused before Argon2id spends its
// cost; authenticity comes from the AEAD that wraps the stream key.
import { AegeesError } from '../../common/errors.js';
import { ByteReader, ByteWriter } from '../../common/protocol/codec.js';
import { attachmentCiphertextSize } from '../crypto/attachment.js';
import {
  AEAD_KEY_BYTES, AEAD_NONCE_BYTES, AEAD_TAG_BYTES, PWHASH_SALT_BYTES, blake2b, constantTimeEqual, type PwhashLimits,
} from '../crypto/sodium.js';
import { checkVaultLimits } from '../keychain/vault-file.js';

export const BACKUP_MAGIC = Buffer.from('AEGB', 'ascii');
export const BACKUP_FORMAT = 1;
const KDF_ARGON2ID13 = 2;
export const WRAPPED_KEY_BYTES = AEAD_KEY_BYTES + AEAD_TAG_BYTES;
const CHECKSUM_BYTES = 32;
/** Magic, format, KDF, opslimit, memlimit, salt, payload size and nonce: the wrap's associated data. */
const AUTHENTICATED_BYTES = BACKUP_MAGIC.length + 1 + 1 + 4 + 4 + PWHASH_SALT_BYTES + 8 + AEAD_NONCE_BYTES;
export const BACKUP_HEADER_BYTES = AUTHENTICATED_BYTES + WRAPPED_KEY_BYTES + CHECKSUM_BYTES;
/** 1 PiB: far beyond any history, and small enough that every size computed from it is exact. */
export const MAX_PAYLOAD_BYTES = 2 ** 50;

export interface BackupHeader {
  readonly limits: PwhashLimits;
  readonly salt: Uint8Array;
  /** Plaintext bytes of the archive inside the stream. */
  readonly payloadSize: number;
  readonly nonce: Uint8Array;
  /** The stream key, XChaCha20-Poly1305-encrypted under the passphrase key. */
  readonly wrappedKey: Uint8Array;
}

export interface DecodedHeader {
  readonly header: BackupHeader;
  /** The bytes the key wrap authenticates. */
  readonly associatedData: Uint8Array;
}

/** Size of the whole backup file for a payload of `payloadSize` bytes. */
export function backupFileSize(payloadSize: number): number {
  return BACKUP_HEADER_BYTES + attachmentCiphertextSize(payloadSize);
}

/** The authenticated part of a header: what the stream key's wrap binds it to. */
export function encodeAssociatedData(header: Omit<BackupHeader, 'wrappedKey'>): Uint8Array {
  checkVaultLimits(header.limits);
  if (!Number.isSafeInteger(header.payloadSize) || header.payloadSize < 0 || header.payloadSize > MAX_PAYLOAD_BYTES) {
    throw new AegeesError('TOO_LARGE', `a backup payload of ${header.payloadSize} bytes cannot be encoded`);
  }
  return new ByteWriter(AUTHENTICATED_BYTES)
    .fixed(BACKUP_MAGIC, BACKUP_MAGIC.length, 'magic')
    .u8(BACKUP_FORMAT)
    .u8(KDF_ARGON2ID13)
    .u32(header.limits.opslimit)
    .u32(header.limits.memlimit / 1024)
    .fixed(header.salt, PWHASH_SALT_BYTES, 'salt')
    .u64(header.payloadSize)
    .fixed(header.nonce, AEAD_NONCE_BYTES, 'nonce')
    .finish();
}

export function encodeBackupHeader(associatedData: Uint8Array, wrappedKey: Uint8Array): Buffer {
  if (associatedData.length !== AUTHENTICATED_BYTES) {
    throw new AegeesError('INVALID_ARGUMENT', `associated data must be ${AUTHENTICATED_BYTES} bytes`);
  }
  const body = new ByteWriter(AUTHENTICATED_BYTES + WRAPPED_KEY_BYTES)
    .fixed(associatedData, AUTHENTICATED_BYTES, 'associated data')
    .fixed(wrappedKey, WRAPPED_KEY_BYTES, 'wrapped key')
    .finish();
  return Buffer.concat([body, blake2b(CHECKSUM_BYTES, body)]);
}

/**
 * Decodes the first BACKUP_HEADER_BYTES of a file (fewer when the file is shorter).
 * MALFORMED for anything but an intact header of this format, UNSUPPORTED_VERSION for
 * another format byte; any other byte string is refused with an AegeesError too.
 */
export function decodeBackupHeader(bytes: Uint8Array): DecodedHeader {
  const magic = BACKUP_MAGIC.length;
  if (bytes.length < magic + 1 || !constantTimeEqual(bytes.subarray(0, magic), BACKUP_MAGIC)) {
    throw new AegeesError('MALFORMED', 'this is not an Aegees backup file');
  }
  // Checked before the length: a later format may have a header of another size.
  if (bytes[magic] !== BACKUP_FORMAT) {
    throw new AegeesError(
      'UNSUPPORTED_VERSION',
      `backup format ${bytes[magic]} is not supported; this version of Aegees reads format ${BACKUP_FORMAT}`,
    );
  }
  if (bytes.length !== BACKUP_HEADER_BYTES) throw new AegeesError('MALFORMED', 'the backup file is truncated inside its header');
  const body = bytes.subarray(0, BACKUP_HEADER_BYTES - CHECKSUM_BYTES);
  if (!constantTimeEqual(blake2b(CHECKSUM_BYTES, body), bytes.subarray(body.length))) {
    throw new AegeesError('MALFORMED', 'the backup file is damaged (header checksum mismatch)');
  }
  const reader = new ByteReader(body, 'backup header');
  reader.fixed(magic + 1, 'magic and format');
  const kdf = reader.u8('key derivation');
  if (kdf !== KDF_ARGON2ID13) throw new AegeesError('MALFORMED', `unknown key derivation ${kdf} in the backup header`);
  const opslimit = reader.u32('opslimit');
  const memlimit = reader.u32('memlimit') * 1024;
  const limits = { opslimit, memlimit };
  try {
    checkVaultLimits(limits);
  } catch (cause) {
    throw new AegeesError('MALFORMED', `the backup header asks for out-of-range Argon2id costs (${opslimit}, ${memlimit})`, { cause });
  }
  const salt = reader.fixed(PWHASH_SALT_BYTES, 'salt');
  const payloadSize = reader.u64('payload size');
  if (payloadSize > MAX_PAYLOAD_BYTES) throw new AegeesError('MALFORMED', `the backup header declares ${payloadSize} bytes`);
  const nonce = reader.fixed(AEAD_NONCE_BYTES, 'nonce');
  const wrappedKey = reader.fixed(WRAPPED_KEY_BYTES, 'wrapped key');
  reader.end();
  return { header: { limits, salt, payloadSize, nonce, wrappedKey }, associatedData: body.slice(0, AUTHENTICATED_BYTES) };
}
