// Opens one SQLCipher-encrypted SQLite file (better-sqlite3-multiple-ciphers) and sets the
// connection up for a message history: WAL, fully synced commits, enforced foreign keys.
import Database from 'better-sqlite3-multiple-ciphers';
import { AegeesError } from '../../common/errors.js';
import { secureBuffer, wipe } from '../crypto/sodium.js';
import { storeError } from './sqlite-errors.js';

export type Db = Database.Database;

export const DATABASE_KEY_BYTES = 32;
// SQLite3MultipleCiphers takes a key starting with "raw:" as the key itself, skipping
// its passphrase KDF (the same as PRAGMA key = "x'…'"), and as a Buffer the key never
// becomes an immutable JS string that cannot be wiped.
const RAW_KEY_PREFIX = Buffer.from('raw:', 'ascii');

/** Runs `use` with the key in SQLite3MultipleCiphers' raw-key form, wiped afterwards. */
export function withRawKey<T>(key: Uint8Array, use: (raw: Buffer) => T): T {
  const raw = secureBuffer(RAW_KEY_PREFIX.length + key.length);
  try {
    RAW_KEY_PREFIX.copy(raw);
    raw.set(key, RAW_KEY_PREFIX.length);
    return use(raw);
  } finally {
    wipe(raw);
  }
}

export interface OpenDatabaseOptions {
  /** Refuse to create the file. */
  readonly mustExist: boolean;
}

/** Throws STORE_WRONG_KEY when `key` does not decrypt the file; nothing is written then. */
export function openEncryptedDatabase(path: string, key: Uint8Array, options: OpenDatabaseOptions): Db {
  if (key.length !== DATABASE_KEY_BYTES) {
    throw new AegeesError('INVALID_ARGUMENT', `a database key is ${DATABASE_KEY_BYTES} bytes, got ${key.length}`);
  }
  let db: Db;
  try {
    db = new Database(path, { fileMustExist: options.mustExist });
  } catch (error) {
    throw storeError(error, path);
  }
  try {
    // SQLCipher 4's page format, pinned so a library default change cannot strand a profile.
    db.pragma("cipher = 'sqlcipher'");
    db.pragma('legacy = 4');
    withRawKey(key, (raw) => db.key(raw));
    // The first read decrypts page 1; a wrong key fails here, before anything is written.
    db.prepare('SELECT count(*) FROM sqlite_schema').get();
    configure(db);
  } catch (error) {
    db.close();
    throw storeError(error, path);
  }
  return db;
}

function configure(db: Db): void {
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new Error(`could not switch the database to WAL (journal mode is ${String(mode)})`);
  // The history has no other copy: a commit must survive power loss, not only a crash.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // SQLite's temporary files are not encrypted; sorting and temp tables stay in memory.
  db.pragma('temp_store = MEMORY');
}
