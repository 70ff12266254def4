// Restores a backup (docs/PROTOCOL.md §10) as a new profile. The profile is built in a
// temporary sibling folder and renamed into place only when it is complete, so a failure
// leaves no files behind; secrets written to the keychain for a failed restore are
// deleted again. An existing profile is never touched.
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AegeesError, isAegeesError } from '../../common/errors.js';
import { AttachmentDecryptor } from '../crypto/attachment.js';
import { secureBuffer, secureRandomBytes, wipe } from '../crypto/sodium.js';
import { VAULT_FILE, openSecretStore, type OpenSecretStoreOptions } from '../keychain/open.js';
import type { Passphrase } from '../keychain/passphrase-vault.js';
import { PROFILE_ID_FILE } from '../keychain/profile-id.js';
import type { SecretStore } from '../keychain/secret-store.js';
import { ATTACHMENTS_DIR } from '../messenger/attachment-files.js';
import { DATABASE_KEY_BYTES, openEncryptedDatabase, type Db } from '../store/database.js';
import { schemaVersion } from '../store/migrate.js';
import { MIGRATIONS } from '../store/migrations/index.js';
import { DATABASE_FILE, DATABASE_KEY_SECRET } from '../store/open.js';
import { readArchive, type ArchiveSink } from './archive.js';
import { syncDirectory, writeNewFile, type BackupProgress } from './files.js';
import { BACKUP_HEADER_BYTES, backupFileSize, decodeBackupHeader, type DecodedHeader } from './header.js';
import { openBackupHeader } from './passphrase.js';
import { rekeyDatabase } from './snapshot.js';

export interface ImportBackupOptions {
  readonly backupPath: string;
  readonly passphrase: Passphrase;
  /** Where the restored profile goes: a folder that does not exist yet, or is empty. */
  readonly profileDir: string;
  /** Where the restored profile keeps its secrets; the OS keychain unless a vault is chosen. */
  readonly secretStoreOptions?: OpenSecretStoreOptions;
  readonly onProgress?: BackupProgress;
}

const PROFILE_FILES = [DATABASE_FILE, PROFILE_ID_FILE, VAULT_FILE];

/**
 * Restores the backup at `backupPath` into `profileDir`; open it with Messenger.open
 * afterwards. Refuses with PROFILE_EXISTS when `profileDir` holds anything,
 * WRONG_PASSPHRASE, MALFORMED or STREAM_TRUNCATED for a damaged or cut file,
 * UNSUPPORTED_VERSION for a backup from a newer Aegees; after any failure the file
 * system and the keychain are as they were.
 */
export async function importBackup(options: ImportBackupOptions): Promise<void> {
  const profileDir = resolve(options.profileDir);
  await refuseOccupied(profileDir);
  const decoded = await readHeader(options.backupPath);
  const streamKey = await openBackupHeader(decoded, options.passphrase);
  try {
    const parent = dirname(profileDir);
    const createdParent = await mkdir(parent, { recursive: true });
    // mkdtemp makes the folder private (0700), as a profile folder is.
    const staging = await mkdtemp(join(parent, `.${basename(profileDir)}.restore-`));
    try {
      await restoreInto(staging, profileDir, streamKey, decoded, options);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      if (createdParent) await removeEmptyFolders(parent, createdParent);
      throw error;
    }
    // The profile is in place (and its secrets in use) from here on: nothing to undo.
    await syncDirectory(parent);
  } finally {
    wipe(streamKey);
  }
}

/** Removes `from` and its parents up to `upTo`, as long as each is empty. */
async function removeEmptyFolders(from: string, upTo: string): Promise<void> {
  for (let dir = from; ; dir = dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      // Not empty (something else arrived there) or already gone: it stays as it is.
      return;
    }
    if (dir === upTo) return;
  }
}

async function refuseOccupied(profileDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(profileDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new AegeesError('PROFILE_EXISTS', `${profileDir} is a file, not a folder for a profile`);
    throw error;
  }
  if (entries.some((name) => PROFILE_FILES.includes(name))) {
    throw new AegeesError('PROFILE_EXISTS', `${profileDir} already holds an Aegees profile; restore into a new folder`);
  }
  if (entries.length > 0) {
    throw new AegeesError('PROFILE_EXISTS', `${profileDir} is not empty; restore into a new or empty folder`);
  }
}

/** The header, checked against the file's size before any key derivation runs. */
async function readHeader(backupPath: string): Promise<DecodedHeader> {
  const handle = await open(backupPath, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, BACKUP_HEADER_BYTES));
    await handle.read(head, 0, head.length, 0);
    const decoded = decodeBackupHeader(head);
    const expected = backupFileSize(decoded.header.payloadSize);
    if (size < expected) {
      throw new AegeesError('STREAM_TRUNCATED', `the backup file is incomplete: ${size} of ${expected} bytes; it was cut off while being written or copied`);
    }
    if (size > expected) {
      throw new AegeesError('MALFORMED', `the backup file has ${size - expected} bytes after its end; it is damaged or not what it seems`);
    }
    return decoded;
  } finally {
    await handle.close();
  }
}

/** Builds the profile in `staging` and renames it to `profileDir`. */
async function restoreInto(
  staging: string, profileDir: string, streamKey: Buffer, decoded: DecodedHeader, options: ImportBackupOptions,
): Promise<void> {
  const secrets = await openSecretStore(staging, options.secretStoreOptions);
  const written = new Set<string>();
  const snapshotKey = secureBuffer(DATABASE_KEY_BYTES);
  try {
    await restorePayload(staging, secrets, written, snapshotKey, streamKey, decoded, options);
    await adoptDatabase(join(staging, DATABASE_FILE), snapshotKey, secrets, written);
    await syncDirectory(staging);
    await moveIntoPlace(staging, profileDir);
  } catch (error) {
    // The keychain is outside the staging folder: undo each entry this restore wrote. A
    // failure to delete must not hide why the restore failed.
    for (const name of written) await secrets.delete(name).catch(() => false);
    throw error;
  } finally {
    wipe(snapshotKey);
    secrets.close();
  }
}

async function restorePayload(
  staging: string,
  secrets: SecretStore,
  written: Set<string>,
  snapshotKey: Buffer,
  streamKey: Buffer,
  decoded: DecodedHeader,
  options: ImportBackupOptions,
): Promise<void> {
  const total = decoded.header.payloadSize;
  let done = 0;
  const sink: ArchiveSink = {
    secret: async (name, value) => {
      written.add(name);
      await secrets.set(name, value);
    },
    database: async (key, _size, content) => {
      snapshotKey.set(key);
      await writeNewFile(join(staging, DATABASE_FILE), content);
    },
    file: async (name, _size, content) => {
      const dir = join(staging, ATTACHMENTS_DIR);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeNewFile(join(dir, name), content);
    },
  };
  let read = 0;
  try {
    await pipeline(
      createReadStream(options.backupPath, { start: BACKUP_HEADER_BYTES }),
      new AttachmentDecryptor(streamKey),
      async function* counted(plaintext: AsyncIterable<Buffer>) {
        for await (const chunk of plaintext) {
          yield chunk;
          done += chunk.length;
          options.onProgress?.(done, total);
        }
      },
      async (plaintext: AsyncIterable<Buffer>) => {
        read = await readArchive(plaintext, sink);
      },
    );
  } catch (error) {
    // Inside the payload, a failed chunk or an altered stream preamble is damage.
    if (isAegeesError(error, 'DECRYPT_FAILED') || isAegeesError(error, 'UNSUPPORTED_VERSION')) {
      throw new AegeesError('MALFORMED', `the backup file is damaged: ${error.message}`, { cause: error });
    }
    throw error;
  }
  if (read !== total) throw new AegeesError('MALFORMED', `the backup archive holds ${read} bytes, its header says ${total}`);
  await syncDirectory(join(staging, ATTACHMENTS_DIR)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/** Gives the restored database a fresh key of its own, saved before the pages use it. */
async function adoptDatabase(path: string, snapshotKey: Buffer, secrets: SecretStore, written: Set<string>): Promise<void> {
  let db: Db;
  try {
    db = openEncryptedDatabase(path, snapshotKey, { mustExist: true });
  } catch (error) {
    if (isAegeesError(error, 'STORE_WRONG_KEY') || isAegeesError(error, 'STORE_CORRUPT')) {
      throw new AegeesError('MALFORMED', 'the database in the backup does not open', { cause: error });
    }
    throw error;
  }
  const key = secureRandomBytes(DATABASE_KEY_BYTES);
  try {
    const version = schemaVersion(db);
    if (version > MIGRATIONS.length) {
      throw new AegeesError(
        'UNSUPPORTED_VERSION',
        `the backup's history has schema version ${version}, newer than this version of Aegees knows (${MIGRATIONS.length}); update Aegees to restore it`,
      );
    }
    written.add(DATABASE_KEY_SECRET);
    await secrets.set(DATABASE_KEY_SECRET, key);
    rekeyDatabase(db, key);
  } finally {
    wipe(key);
    db.close();
  }
}

/** Renames the finished profile to its place, unless something got there first. */
async function moveIntoPlace(staging: string, profileDir: string): Promise<void> {
  try {
    // An empty folder may stand where the profile goes (one the user picked); only an
    // empty one can be removed, so a profile created meanwhile stays untouched.
    await rmdir(profileDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') {
      throw new AegeesError('PROFILE_EXISTS', `${profileDir} was filled while the backup was being restored`, { cause: error });
    }
    if (code !== 'ENOENT') throw error;
  }
  try {
    await rename(staging, profileDir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      throw new AegeesError('PROFILE_EXISTS', `${profileDir} was created while the backup was being restored`, { cause: error });
    }
    throw error;
  }
}
