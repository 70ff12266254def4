// The passphrase side of a backup: Argon2id turns the passphrase into a key that wraps the
// payload's random stream key, bound to the header it travels in. A wrong passphrase is
// then refused by one small AEAD check, before any of the payload is read.
import { AegeesError } from '../../common/errors.js';
import {
  AEAD_NONCE_BYTES, PWHASH_SALT_BYTES, aeadDecryptSecure, aeadEncrypt, randomBytes, wipe, type PwhashLimits,
} from '../crypto/sodium.js';
import { passphraseKey, type Passphrase } from '../keychain/passphrase-vault.js';
import { checkVaultLimits } from '../keychain/vault-file.js';
import { encodeAssociatedData, encodeBackupHeader, type DecodedHeader } from './header.js';

/** Refuses an empty passphrase and Argon2id costs outside the range Aegees reads back. */
export function checkBackupSecrets(passphrase: Passphrase, limits: PwhashLimits): void {
  if (passphrase.length === 0) throw new AegeesError('INVALID_ARGUMENT', 'the backup passphrase must not be empty');
  checkVaultLimits(limits);
}

/** The encoded header for a payload of `payloadSize` bytes encrypted under `streamKey`. */
export async function sealBackupHeader(
  passphrase: Passphrase, limits: PwhashLimits, payloadSize: number, streamKey: Uint8Array,
): Promise<Buffer> {
  checkBackupSecrets(passphrase, limits);
  const salt = randomBytes(PWHASH_SALT_BYTES);
  const nonce = randomBytes(AEAD_NONCE_BYTES);
  const associatedData = encodeAssociatedData({ limits, salt, payloadSize, nonce });
  const key = await passphraseKey(passphrase, salt, limits);
  try {
    return encodeBackupHeader(associatedData, aeadEncrypt(streamKey, associatedData, nonce, key));
  } finally {
    wipe(key);
  }
}

/** The payload's stream key, in guarded memory; WRONG_PASSPHRASE when it does not unwrap. */
export async function openBackupHeader(decoded: DecodedHeader, passphrase: Passphrase): Promise<Buffer> {
  if (passphrase.length === 0) throw new AegeesError('INVALID_ARGUMENT', 'the backup passphrase must not be empty');
  const { header, associatedData } = decoded;
  const key = await passphraseKey(passphrase, header.salt, header.limits);
  try {
    return aeadDecryptSecure(header.wrappedKey, associatedData, header.nonce, key);
  } catch (cause) {
    throw new AegeesError('WRONG_PASSPHRASE', 'the passphrase does not open this backup', { cause });
  } finally {
    wipe(key);
  }
}
