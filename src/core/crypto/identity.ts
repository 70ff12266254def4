// Account and device keys (docs/PROTOCOL.md §2). An account is its Ed25519 identity key;
// a device has an X25519 key for receiving, an Ed25519 key for signing and a mailbox root
// secret. Secret halves live in libsodium's guarded memory; `dispose` zeroes and frees them
// (libsodium would also zero them when the garbage collector finalises them).
import { AegeesError } from '../../common/errors.js';
import { concatBytes, domainPrefix } from '../../common/protocol/codec.js';
import {
  DEVICE_ID_BYTES,
  DOMAIN,
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES as PROTOCOL_SIGNATURE_BYTES,
} from '../../common/protocol/constants.js';
import {
  BOX_PUBLIC_BYTES,
  BOX_SECRET_BYTES,
  SIGNATURE_BYTES,
  SIGN_PUBLIC_BYTES,
  SIGN_SEED_BYTES,
  blake2b,
  boxKeyPair,
  secureBuffer,
  secureRandomBytes,
  release,
  signingKeyPair,
  x25519Base,
  type BoxKeyPair,
  type SigningKeyPair,
} from './sodium.js';

if (SIGN_PUBLIC_BYTES !== PUBLIC_KEY_BYTES || BOX_PUBLIC_BYTES !== PUBLIC_KEY_BYTES || SIGNATURE_BYTES !== PROTOCOL_SIGNATURE_BYTES) {
  throw new Error('libsodium key sizes differ from the protocol constants');
}

export const MAILBOX_ROOT_SECRET_BYTES = 32;
const ACCOUNT_SECRET_FORMAT = 1;
const DEVICE_SECRET_FORMAT = 1;
/** Format byte + Ed25519 seed. */
export const ACCOUNT_SECRET_BYTES = 1 + SIGN_SEED_BYTES;
/** Format byte + Ed25519 seed + X25519 secret key + mailbox root secret. */
export const DEVICE_SECRET_BYTES = 1 + SIGN_SEED_BYTES + BOX_SECRET_BYTES + MAILBOX_ROOT_SECRET_BYTES;

export interface AccountIdentity {
  /** The account id: the account's Ed25519 public key. */
  readonly accountId: Buffer;
  readonly signing: SigningKeyPair;
  /** Zeroes and frees the secret key; the identity is unusable afterwards. */
  dispose(): void;
}

export interface DeviceKeys {
  readonly deviceId: Buffer;
  readonly signing: SigningKeyPair;
  readonly encryption: BoxKeyPair;
  /** Root of the device's per-relay mailbox keys (src/core/crypto/mailbox.ts). */
  readonly mailboxRootSecret: Buffer;
  dispose(): void;
}

export function generateAccount(): AccountIdentity {
  return accountFrom(signingKeyPair());
}

function accountFrom(signing: SigningKeyPair): AccountIdentity {
  return { accountId: signing.publicKey, signing, dispose: () => release(signing.secretKey) };
}

/** The account's secret for the keychain, in guarded memory: format byte ‖ Ed25519 seed. */
export function exportAccountSecret(account: AccountIdentity): Buffer {
  const out = secureBuffer(ACCOUNT_SECRET_BYTES);
  out[0] = ACCOUNT_SECRET_FORMAT;
  out.set(account.signing.secretKey.subarray(0, SIGN_SEED_BYTES), 1);
  return out;
}

export function importAccountSecret(secret: Uint8Array): AccountIdentity {
  checkSecretFormat(secret, ACCOUNT_SECRET_BYTES, ACCOUNT_SECRET_FORMAT, 'account secret');
  return accountFrom(signingKeyPair(secret.subarray(1)));
}

/** Device id = BLAKE2b-256(domain ‖ Ed25519 signing public key). */
export function deviceIdOf(signingPublicKey: Uint8Array): Buffer {
  if (signingPublicKey.length !== PUBLIC_KEY_BYTES) throw new AegeesError('INVALID_ARGUMENT', 'not an Ed25519 public key');
  return blake2b(DEVICE_ID_BYTES, [domainPrefix(DOMAIN.deviceId), signingPublicKey]);
}

export function generateDevice(): DeviceKeys {
  return deviceFrom(signingKeyPair(), boxKeyPair(), secureRandomBytes(MAILBOX_ROOT_SECRET_BYTES));
}

function deviceFrom(signing: SigningKeyPair, encryption: BoxKeyPair, mailboxRootSecret: Buffer): DeviceKeys {
  return {
    deviceId: deviceIdOf(signing.publicKey),
    signing,
    encryption,
    mailboxRootSecret,
    dispose: () => release(signing.secretKey, encryption.secretKey, mailboxRootSecret),
  };
}

/** The device's secrets for the keychain, in guarded memory (§2.3). */
export function exportDeviceSecrets(device: DeviceKeys): Buffer {
  const out = secureBuffer(DEVICE_SECRET_BYTES);
  out[0] = DEVICE_SECRET_FORMAT;
  out.set(device.signing.secretKey.subarray(0, SIGN_SEED_BYTES), 1);
  out.set(device.encryption.secretKey, 1 + SIGN_SEED_BYTES);
  out.set(device.mailboxRootSecret, 1 + SIGN_SEED_BYTES + BOX_SECRET_BYTES);
  return out;
}

export function importDeviceSecrets(secret: Uint8Array): DeviceKeys {
  checkSecretFormat(secret, DEVICE_SECRET_BYTES, DEVICE_SECRET_FORMAT, 'device secrets');
  const boxSecret = secret.subarray(1 + SIGN_SEED_BYTES, 1 + SIGN_SEED_BYTES + BOX_SECRET_BYTES);
  const encryptionSecret = secureBuffer(BOX_SECRET_BYTES);
  encryptionSecret.set(boxSecret);
  const mailboxRootSecret = secureBuffer(MAILBOX_ROOT_SECRET_BYTES);
  mailboxRootSecret.set(secret.subarray(1 + SIGN_SEED_BYTES + BOX_SECRET_BYTES));
  return deviceFrom(
    signingKeyPair(secret.subarray(1, 1 + SIGN_SEED_BYTES)),
    { publicKey: x25519Base(encryptionSecret), secretKey: encryptionSecret },
    mailboxRootSecret,
  );
}

function checkSecretFormat(secret: Uint8Array, length: number, format: number, what: string): void {
  if (secret.length !== length) throw new AegeesError('MALFORMED', `${what}: expected ${length} bytes, got ${secret.length}`);
  if (secret[0] !== format) {
    throw new AegeesError('UNSUPPORTED_VERSION', `${what} format ${secret[0]} is not supported; this client reads format ${format}`);
  }
}

const SAFETY_DIGITS_PER_ACCOUNT = 30;

/**
 * The safety number two users compare out of band (§2.4): 60 digits, the same whichever
 * side computes it. Each account contributes 30 digits from a hash of its identity key.
 */
export function safetyNumber(accountA: Uint8Array, accountB: Uint8Array): string {
  const halves = [accountDigits(accountA), accountDigits(accountB)].sort();
  return halves.join('');
}

function accountDigits(accountId: Uint8Array): string {
  if (accountId.length !== PUBLIC_KEY_BYTES) throw new AegeesError('INVALID_ARGUMENT', 'not an account id');
  const digest = blake2b(32, concatBytes([domainPrefix(DOMAIN.safetyNumber), accountId]));
  let digits = '';
  for (let group = 0; group < SAFETY_DIGITS_PER_ACCOUNT / 5; group++) {
    // Five bytes (40 bits) per group of five digits: the bias of the reduction is < 2^-23.
    let value = 0;
    for (let k = 0; k < 5; k++) value = value * 256 + digest[group * 5 + k]!;
    digits += String(value % 100_000).padStart(5, '0');
  }
  return digits;
}
