// The opt-in alternative to the OS keychain: the profile's secrets in one file, encrypted
// with XChaCha20-Poly1305 under a key derived from the user's passphrase with Argon2id.
// One process owns a profile at a time; the vault keeps its decrypted secrets in guarded
// memory and rewrites the whole file atomically on every change.
import { readFile } from 'node:fs/promises';
import { AegeesError } from '../../common/errors.js';
import {
  AEAD_KEY_BYTES, AEAD_NONCE_BYTES, PWHASH_MODERATE, PWHASH_SALT_BYTES, aeadDecryptSecure, aeadEncrypt, argon2idKey,
  randomBytes, secureBuffer, wipe, type PwhashLimits,
} from '../crypto/sodium.js';
import { writeFileAtomic } from './atomic-file.js';
import { checkSecretName, checkSecretValue, storeClosedError, type SecretStore } from './secret-store.js';
import {
  checkVaultLimits, decodeSecrets, encodeSecrets, encodeVaultFile, encodeVaultHeader, parseVaultFile,
} from './vault-file.js';

export const DEFAULT_VAULT_LIMITS: PwhashLimits = PWHASH_MODERATE;

/** A passphrase as typed (normalized to NFKC) or as bytes the caller wipes. */
export type Passphrase = string | Uint8Array;

export class PassphraseVault implements SecretStore {
  readonly kind = 'passphrase-vault';
  private secrets: Map<string, Buffer>;
  private pending: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly path: string,
    private readonly limits: PwhashLimits,
    private readonly salt: Buffer,
    private readonly key: Buffer,
    secrets: Map<string, Buffer>,
  ) {
    this.secrets = secrets;
  }

  /** Writes a new, empty vault at `path`; fails with EEXIST if a file is there. */
  static async create(path: string, passphrase: Passphrase, limits: PwhashLimits = DEFAULT_VAULT_LIMITS): Promise<PassphraseVault> {
    checkVaultLimits(limits);
    const salt = randomBytes(PWHASH_SALT_BYTES);
    const vault = new PassphraseVault(path, limits, salt, await passphraseKey(passphrase, salt, limits), new Map());
    try {
      await vault.persist(new Map(), true);
    } catch (error) {
      vault.close();
      throw error;
    }
    return vault;
  }

  /** Opens the vault at `path`; WRONG_PASSPHRASE or MALFORMED leave the file untouched. */
  static async open(path: string, passphrase: Passphrase): Promise<PassphraseVault> {
    const { header, headerBytes, ciphertext } = parseVaultFile(await readFile(path));
    const key = await passphraseKey(passphrase, header.salt, header.limits);
    let plaintext: Buffer;
    try {
      plaintext = aeadDecryptSecure(ciphertext, headerBytes, header.nonce, key);
    } catch (cause) {
      wipe(key);
      throw new AegeesError('WRONG_PASSPHRASE', 'the passphrase does not open this profile’s vault', { cause });
    }
    try {
      return new PassphraseVault(path, header.limits, Buffer.from(header.salt), key, decodeSecrets(plaintext));
    } catch (error) {
      wipe(key);
      throw error;
    } finally {
      wipe(plaintext);
    }
  }

  async get(name: string): Promise<Buffer | undefined> {
    this.checkOpen();
    checkSecretName(name);
    const value = this.secrets.get(name);
    return value && secureCopy(value);
  }

  set(name: string, value: Uint8Array): Promise<void> {
    this.checkOpen();
    checkSecretName(name);
    checkSecretValue(value);
    return this.serialized(async () => {
      const copy = secureCopy(value);
      const next = new Map(this.secrets).set(name, copy);
      try {
        await this.persist(next);
      } catch (error) {
        wipe(copy);
        throw error;
      }
      wipe(this.secrets.get(name));
      this.secrets = next;
    });
  }

  delete(name: string): Promise<boolean> {
    this.checkOpen();
    checkSecretName(name);
    return this.serialized(async () => {
      const removed = this.secrets.get(name);
      if (!removed) return false;
      const next = new Map(this.secrets);
      next.delete(name);
      await this.persist(next);
      wipe(removed);
      this.secrets = next;
      return true;
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    wipe(this.key, ...this.secrets.values());
    this.secrets = new Map();
  }

  private checkOpen(): void {
    if (this.closed) throw storeClosedError();
  }

  // Changes apply one after another so none is lost to an interleaved rewrite.
  private serialized<T>(change: () => Promise<T>): Promise<T> {
    const run = this.pending.then(() => {
      this.checkOpen();
      return change();
    });
    this.pending = run.catch(() => undefined);
    return run;
  }

  private async persist(secrets: ReadonlyMap<string, Uint8Array>, exclusive = false): Promise<void> {
    const nonce = randomBytes(AEAD_NONCE_BYTES);
    const headerBytes = encodeVaultHeader({ limits: this.limits, salt: this.salt, nonce });
    const plaintext = encodeSecrets(secrets);
    let ciphertext: Buffer;
    try {
      ciphertext = aeadEncrypt(plaintext, headerBytes, nonce, this.key);
    } finally {
      wipe(plaintext);
    }
    await writeFileAtomic(this.path, encodeVaultFile(headerBytes, ciphertext), { exclusive });
  }
}

/** Argon2id key (in guarded memory) from a passphrase; shared by the vault and backups. */
export async function passphraseKey(passphrase: Passphrase, salt: Uint8Array, limits: PwhashLimits): Promise<Buffer> {
  if (passphrase.length === 0) throw new AegeesError('INVALID_ARGUMENT', 'the passphrase must not be empty');
  if (typeof passphrase !== 'string') return argon2idKey(AEAD_KEY_BYTES, passphrase, salt, limits);
  // NFKC, so the same passphrase typed on another keyboard or OS derives the same key.
  const normalized = passphrase.normalize('NFKC');
  const bytes = secureBuffer(Buffer.byteLength(normalized, 'utf8'));
  bytes.write(normalized, 'utf8');
  try {
    return await argon2idKey(AEAD_KEY_BYTES, bytes, salt, limits);
  } finally {
    wipe(bytes);
  }
}

function secureCopy(value: Uint8Array): Buffer {
  const out = secureBuffer(value.length);
  out.set(value);
  return out;
}
