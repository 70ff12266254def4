// Writes a profile's whole history (secrets, database, attachments) as one passphrase-
// encrypted file (docs/PROTOCOL.md §10). Everything is streamed, so memory stays the same
// whatever the history's size; the file appears under its name only once it is complete
// and on disk.
import { createReadStream } from 'node:fs';
import { open, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AegeesError } from '../../common/errors.js';
import { AttachmentEncryptor } from '../crypto/attachment.js';
import { PWHASH_MODERATE, randomBytes, secureRandomBytes, wipe, type PwhashLimits } from '../crypto/sodium.js';
import type { Passphrase } from '../keychain/passphrase-vault.js';
import type { SecretStore } from '../keychain/secret-store.js';
import { ATTACHMENTS_DIR } from '../messenger/attachment-files.js';
import { DATABASE_KEY_BYTES } from '../store/database.js';
import {
  BACKUP_SECRET_NAMES, databaseRecordHead, fileRecordHead, isAttachmentFileName, secretRecord,
} from './archive.js';
import { syncDirectory, type BackupProgress } from './files.js';
import { checkBackupSecrets, sealBackupHeader } from './passphrase.js';
import { removeDatabaseFiles, snapshotDatabase } from './snapshot.js';

export const DEFAULT_BACKUP_LIMITS: PwhashLimits = PWHASH_MODERATE;

export interface ExportBackupOptions {
  readonly profileDir: string;
  /** The open profile's secret store (either backend). */
  readonly secrets: SecretStore;
  readonly targetPath: string;
  readonly passphrase: Passphrase;
  /** Argon2id cost; DEFAULT_BACKUP_LIMITS unless given. */
  readonly limits?: PwhashLimits;
  readonly onProgress?: BackupProgress;
}

/** One archive record: its head, then (for a file) the file's bytes. */
interface Part {
  readonly head: Buffer;
  readonly path?: string;
  readonly size: number;
}

/**
 * Exports the profile to `targetPath` (replacing a file there only once the new one is
 * complete). The profile may stay open and in use: the database is copied in one read
 * transaction, and attachments are immutable once written.
 */
export async function exportBackup(options: ExportBackupOptions): Promise<void> {
  const limits = options.limits ?? DEFAULT_BACKUP_LIMITS;
  checkBackupSecrets(options.passphrase, limits);
  const profileDir = resolve(options.profileDir);
  const target = resolve(options.targetPath);
  const suffix = randomBytes(6).toString('hex');
  const snapshotPath = join(profileDir, `.backup-snapshot-${suffix}.db`);
  const temp = join(dirname(target), `.${basename(target)}.${suffix}.tmp`);
  const snapshotKey = secureRandomBytes(DATABASE_KEY_BYTES);
  const parts: Part[] = [];
  let encryptor: AttachmentEncryptor | undefined;
  try {
    for (const name of BACKUP_SECRET_NAMES) {
      const value = await options.secrets.get(name);
      if (!value) continue;
      try {
        parts.push({ head: secretRecord(name, value), size: 0 });
      } finally {
        wipe(value);
      }
    }
    await snapshotDatabase(profileDir, options.secrets, snapshotPath, snapshotKey);
    const snapshotSize = (await stat(snapshotPath)).size;
    parts.push({ head: databaseRecordHead(snapshotKey, snapshotSize), path: snapshotPath, size: snapshotSize });
    for (const file of await listAttachments(profileDir)) {
      parts.push({ head: fileRecordHead(file.name, file.size), path: file.path, size: file.size });
    }

    const payloadSize = parts.reduce((sum, part) => sum + part.head.length + part.size, 0);
    encryptor = new AttachmentEncryptor();
    const header = await sealBackupHeader(options.passphrase, limits, payloadSize, encryptor.key);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await writeFile(handle, header);
      await pipeline(archiveBytes(parts, payloadSize, options.onProgress), encryptor, (ciphertext: AsyncIterable<Buffer>) => writeFile(handle, ciphertext));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    await syncDirectory(dirname(target));
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    // A no-op once the pipeline ran; otherwise it hands the stream state back to libsodium.
    encryptor?.destroy();
    wipe(snapshotKey, encryptor?.key, ...parts.map((part) => part.head));
    await removeDatabaseFiles(snapshotPath);
  }
}

async function listAttachments(profileDir: string): Promise<Array<{ name: string; path: string; size: number }>> {
  const dir = join(profileDir, ATTACHMENTS_DIR);
  let names: string[];
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    // Partial downloads and uploads are dot files; they are not history yet.
    names = entries.filter((entry) => entry.isFile() && isAttachmentFileName(entry.name)).map((entry) => entry.name).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files = [];
  for (const name of names) {
    const path = join(dir, name);
    files.push({ name, path, size: (await stat(path)).size });
  }
  return files;
}

async function* archiveBytes(parts: readonly Part[], total: number, onProgress: BackupProgress | undefined): AsyncGenerator<Buffer> {
  let done = 0;
  const report = (bytes: number) => {
    done += bytes;
    onProgress?.(done, total);
  };
  for (const part of parts) {
    yield part.head;
    report(part.head.length);
    if (part.path === undefined) continue;
    let read = 0;
    for await (const chunk of createReadStream(part.path) as AsyncIterable<Buffer>) {
      read += chunk.length;
      if (read > part.size) break;
      yield chunk;
      report(chunk.length);
    }
    // The record's size is already in the header the stream key is bound to.
    if (read !== part.size) throw new AegeesError('INTERNAL', `${part.path} changed size while it was being backed up`);
  }
}
