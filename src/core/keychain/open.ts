// Opens a profile's secret store: the OS keychain unless the user explicitly chose a
// passphrase vault. Which one a profile uses is fixed by what its directory holds (a
// vault file, or the profile id that names its keychain entries), so secrets are never
// split between the two or silently left behind.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { AegeesError } from '../../common/errors.js';
import type { PwhashLimits } from '../crypto/sodium.js';
import { OsKeychainStore, probeOsKeychain } from './os-keychain.js';
import { PassphraseVault, type Passphrase } from './passphrase-vault.js';
import { ensureProfileId, readProfileId } from './profile-id.js';
import type { SecretStore } from './secret-store.js';
import { pathExists } from '../fs/exists.js';

export const VAULT_FILE = 'secrets.vault';

export interface OpenSecretStoreOptions {
  /** Set only when the user asked for a passphrase instead of the OS keychain. */
  readonly passphraseVault?: {
    readonly passphrase: Passphrase;
    /** Argon2id cost for a new vault; an existing vault keeps its own. */
    readonly limits?: PwhashLimits;
  };
}

/**
 * Throws KEYCHAIN_UNAVAILABLE (with what to install) when no OS keychain answers and no
 * vault was chosen, PASSPHRASE_REQUIRED for a vault profile opened without a passphrase,
 * WRONG_PASSPHRASE for a wrong one. A failed open writes nothing.
 */
export async function openSecretStore(profileDir: string, options: OpenSecretStoreOptions = {}): Promise<SecretStore> {
  const vaultPath = join(profileDir, VAULT_FILE);
  const hasVault = await pathExists(vaultPath);
  const choice = options.passphraseVault;
  if (choice) {
    if (hasVault) return PassphraseVault.open(vaultPath, choice.passphrase);
    if (await readProfileId(profileDir)) {
      throw new AegeesError(
        'INVALID_ARGUMENT',
        'this profile keeps its secrets in the OS keychain; it cannot switch to a passphrase vault',
      );
    }
    await mkdir(profileDir, { recursive: true, mode: 0o700 });
    return PassphraseVault.create(vaultPath, choice.passphrase, choice.limits);
  }
  if (hasVault) {
    throw new AegeesError('PASSPHRASE_REQUIRED', 'this profile keeps its secrets in a passphrase vault; enter its passphrase');
  }
  await probeOsKeychain();
  return new OsKeychainStore(await ensureProfileId(profileDir));
}
