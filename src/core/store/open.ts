// Opens a profile's encrypted store. The database key is 32 random bytes kept in the
// profile's secret store (the OS keychain), created together with the database; it is
// never written to disk in any other form.
import { join } from 'node:path';
import { AegeesError } from '../../common/errors.js';
import { secureRandomBytes, wipe } from '../crypto/sodium.js';
import type { SecretStore } from '../keychain/secret-store.js';
import { DATABASE_KEY_BYTES, openEncryptedDatabase, type Db } from './database.js';
import { migrate } from './migrate.js';
import { MIGRATIONS } from './migrations/index.js';
import { Store } from './store.js';
import { pathExists } from '../fs/exists.js';

export const DATABASE_FILE = 'aegees.db';
export const DATABASE_KEY_SECRET = 'database-key';

/**
 * Opens (creating on first use) the profile's database, keyed but not migrated. Throws
 * STORE_KEY_MISSING when the database exists but its key is gone from the secret store,
 * STORE_WRONG_KEY when the key does not open it; neither changes any file.
 */
export async function openProfileDatabase(profileDir: string, secrets: SecretStore): Promise<Db> {
  const path = join(profileDir, DATABASE_FILE);
  const exists = await pathExists(path);
  let key = await secrets.get(DATABASE_KEY_SECRET);
  if (!key) {
    if (exists) {
      throw new AegeesError(
        'STORE_KEY_MISSING',
        `${path} exists but its key is not in the ${secrets.kind === 'os-keychain' ? 'OS keychain' : 'passphrase vault'}; without it the history cannot be read`,
      );
    }
    // The key is saved before the database exists, so no database ever lacks its key.
    key = secureRandomBytes(DATABASE_KEY_BYTES);
    try {
      await secrets.set(DATABASE_KEY_SECRET, key);
    } catch (error) {
      wipe(key);
      throw error;
    }
  }
  try {
    return openEncryptedDatabase(path, key, { mustExist: exists });
  } finally {
    wipe(key);
  }
}

/** Opens the profile's database and brings its schema up to date. */
export async function openStore(profileDir: string, secrets: SecretStore): Promise<Store> {
  const db = await openProfileDatabase(profileDir, secrets);
  try {
    migrate(db, MIGRATIONS);
    return new Store(db);
  } catch (error) {
    db.close();
    throw error;
  }
}
