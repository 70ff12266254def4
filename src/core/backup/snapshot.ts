// A consistent copy of the profile's database that never exists on disk in plaintext.
//
// `VACUUM INTO` on a second connection takes the copy inside one read transaction, so it
// is consistent while the messenger keeps writing through its own connection (WAL).
// SQLite3MultipleCiphers writes the copy with the source's cipher and key, so every page
// reaches the disk encrypted; the copy is then re-keyed to a random throwaway key that
// travels inside the backup, so the profile's own database key never leaves its keychain.
// The other options were worse: the online backup API refuses an encrypted target here,
// and serialising the database would hold the whole history in memory.
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AegeesError } from '../../common/errors.js';
import { wipe } from '../crypto/sodium.js';
import type { SecretStore } from '../keychain/secret-store.js';
import { openEncryptedDatabase, withRawKey, type Db } from '../store/database.js';
import { DATABASE_FILE, DATABASE_KEY_SECRET } from '../store/open.js';

// A plaintext SQLite file starts with this; an SQLCipher file starts with its random salt.
const PLAINTEXT_SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Re-encrypts every page of `db` under `key`. SQLite3MultipleCiphers cannot rekey a
 * database in WAL mode, so this leaves it in rollback-journal mode; the store switches it
 * back to WAL when it next opens it.
 */
export function rekeyDatabase(db: Db, key: Uint8Array): void {
  const mode = db.pragma('journal_mode = DELETE', { simple: true });
  if (mode !== 'delete') throw new Error(`could not leave WAL mode to rekey the database (journal mode is ${String(mode)})`);
  withRawKey(key, (raw) => db.rekey(raw));
}

/** Removes a database file and the journals SQLite may have left beside it. */
export async function removeDatabaseFiles(path: string): Promise<void> {
  await Promise.all(['', '-journal', '-wal', '-shm'].map((suffix) => rm(`${path}${suffix}`, { force: true })));
}

/**
 * Writes a snapshot of the profile's database to `snapshotPath` (which must not exist),
 * encrypted under `snapshotKey`. On failure nothing is left at `snapshotPath`.
 */
export async function snapshotDatabase(
  profileDir: string, secrets: SecretStore, snapshotPath: string, snapshotKey: Uint8Array,
): Promise<void> {
  const liveKey = await secrets.get(DATABASE_KEY_SECRET);
  if (!liveKey) throw new AegeesError('STORE_KEY_MISSING', 'the database key of this profile is missing from its secret store');
  try {
    const live = openEncryptedDatabase(join(profileDir, DATABASE_FILE), liveKey, { mustExist: true });
    try {
      live.prepare('VACUUM INTO ?').run(snapshotPath);
    } finally {
      live.close();
    }
    // The copy's encryption is the library's behaviour, not a documented guarantee:
    // should it ever change, fail instead of shipping (or keeping) a readable file.
    if (await startsWith(snapshotPath, PLAINTEXT_SQLITE_MAGIC)) {
      throw new AegeesError('INTERNAL', 'the database snapshot was written unencrypted; refusing to back it up');
    }
    const snapshot = openEncryptedDatabase(snapshotPath, liveKey, { mustExist: true });
    try {
      rekeyDatabase(snapshot, snapshotKey);
    } finally {
      snapshot.close();
    }
  } catch (error) {
    await removeDatabaseFiles(snapshotPath);
    throw error;
  } finally {
    wipe(liveKey);
  }
}

async function startsWith(path: string, prefix: Buffer): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(prefix.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return bytesRead === head.length && head.equals(prefix);
  } finally {
    await handle.close();
  }
}
