// Secrets in the OS keychain through keytar: one entry per secret under the service
// "Aegees Desktop", the account naming the profile and the secret, the value in base64
// (keychains store strings).
import keytar from 'keytar';
import { AegeesError } from '../../common/errors.js';
import { bufferView, secureBuffer, wipe } from '../crypto/sodium.js';
import { keytarError } from './keychain-errors.js';
import { checkSecretName, checkSecretValue, storeClosedError, type SecretStore } from './secret-store.js';

export const KEYCHAIN_SERVICE = 'Aegees Desktop';
const PROBE_ACCOUNT = 'keychain-probe';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Resolves when a keychain answers; throws KEYCHAIN_UNAVAILABLE otherwise. Only reads. */
export async function probeOsKeychain(): Promise<void> {
  try {
    await keytar.getPassword(KEYCHAIN_SERVICE, PROBE_ACCOUNT);
  } catch (error) {
    throw keytarError(error, 'answer');
  }
}

export class OsKeychainStore implements SecretStore {
  readonly kind = 'os-keychain';
  private closed = false;

  /** `profileId` is the profile's stable id (see profile-id.ts). */
  constructor(private readonly profileId: string) {}

  async get(name: string): Promise<Buffer | undefined> {
    const account = this.account(name);
    let encoded: string | null;
    try {
      encoded = await keytar.getPassword(KEYCHAIN_SERVICE, account);
    } catch (error) {
      throw keytarError(error, `read ${account}`);
    }
    return encoded === null ? undefined : decode(encoded, account);
  }

  async set(name: string, value: Uint8Array): Promise<void> {
    const account = this.account(name);
    checkSecretValue(value);
    // The base64 string cannot be wiped; the keychain API takes nothing else.
    const encoded = bufferView(value).toString('base64');
    try {
      await keytar.setPassword(KEYCHAIN_SERVICE, account, encoded);
    } catch (error) {
      throw keytarError(error, `write ${account}`);
    }
  }

  async delete(name: string): Promise<boolean> {
    const account = this.account(name);
    try {
      return await keytar.deletePassword(KEYCHAIN_SERVICE, account);
    } catch (error) {
      throw keytarError(error, `delete ${account}`);
    }
  }

  close(): void {
    this.closed = true;
  }

  private account(name: string): string {
    if (this.closed) throw storeClosedError();
    checkSecretName(name);
    return `${this.profileId}/${name}`;
  }
}

function decode(encoded: string, account: string): Buffer {
  if (encoded.length === 0 || !BASE64.test(encoded)) {
    throw new AegeesError('MALFORMED', `keychain entry ${account} is not base64; it was not written by Aegees`);
  }
  const decoded = Buffer.from(encoded, 'base64');
  const out = secureBuffer(decoded.length);
  decoded.copy(out);
  wipe(decoded);
  return out;
}
