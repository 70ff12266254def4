// Attachments on disk. Each is kept exactly as its ciphertext travels (secretstream, the
// key only in the encrypted database), named by its blob id under the profile's
// attachments/ folder: the sender's copy and every downloaded copy alike, so nothing
// readable is ever written to disk.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AegeesError } from '../../common/errors.js';
import { AttachmentDecryptor, AttachmentEncryptor, attachmentCiphertextSize } from '../crypto/attachment.js';
import { blobIdHasher } from '../crypto/mailbox.js';
import { randomBytes } from '../crypto/sodium.js';
import type { RelayClient } from '../relay-client/index.js';
import { hex } from './directory.js';

export const ATTACHMENTS_DIR = 'attachments';

export interface SealedFile {
  readonly blobId: Buffer;
  readonly key: Buffer;
  readonly ciphertextHash: Buffer;
  /** Plaintext size. */
  readonly size: number;
  /** Relative to the profile directory. */
  readonly localPath: string;
}

export function attachmentPath(blobId: Uint8Array): string {
  return join(ATTACHMENTS_DIR, hex(blobId));
}

function hashing(onChunk: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onChunk(chunk);
      done(null, chunk);
    },
  });
}

/** Encrypts plaintext (a file path or bytes) into the profile's attachment folder. */
export async function sealAttachment(profileDir: string, source: string | Uint8Array): Promise<SealedFile> {
  await mkdir(join(profileDir, ATTACHMENTS_DIR), { recursive: true, mode: 0o700 });
  const partial = join(profileDir, ATTACHMENTS_DIR, `.partial-${randomBytes(8).toString('hex')}`);
  const encryptor = new AttachmentEncryptor();
  const blobHasher = blobIdHasher();
  try {
    const input = typeof source === 'string' ? createReadStream(source) : Readable.from([Buffer.from(source)]);
    await pipeline(input, encryptor, hashing((chunk) => blobHasher.update(chunk)), createWriteStream(partial, { mode: 0o600 }));
    const blobId = blobHasher.digest();
    const localPath = attachmentPath(blobId);
    await rename(partial, join(profileDir, localPath));
    return { blobId, key: encryptor.key, ciphertextHash: encryptor.ciphertextHash, size: encryptor.plaintextSize, localPath };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/** Bytes of ciphertext moved so far out of `total` (the encrypted file's size). */
export type TransferBytes = (done: number, total: number) => void;

/** Counts the bytes that pass, for progress reports. */
function counting(total: number, onBytes: TransferBytes): Transform {
  let done = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      done += chunk.length;
      onBytes(done, total);
      callback(null, chunk);
    },
  });
}

async function* counted(source: AsyncIterable<Buffer>, total: number, onBytes: TransferBytes): AsyncGenerator<Buffer> {
  let done = 0;
  for await (const chunk of source) {
    done += chunk.length;
    onBytes(done, total);
    yield chunk;
  }
}

/**
 * Uploads a sealed attachment to a relay (the relay answers "exists" for a repeat).
 * `onBytes` hears of each chunk handed to the connection, out of the encrypted size.
 */
export async function uploadAttachment(profileDir: string, client: RelayClient, blobId: Uint8Array, onBytes?: TransferBytes): Promise<void> {
  const path = join(profileDir, attachmentPath(blobId));
  const { size } = await stat(path);
  const file = createReadStream(path);
  await client.uploadBlob(blobId, size, onBytes ? counted(file, size, onBytes) : file);
}

/**
 * Downloads a blob and keeps it only if it decrypts completely under `key` with the
 * signed ciphertext hash; returns its local path. Any failure leaves no file behind.
 * `onBytes` hears of each chunk received, out of the encrypted size the signed plaintext
 * size gives.
 */
export async function downloadAttachment(
  profileDir: string,
  client: RelayClient,
  descriptor: { blobId: Uint8Array; key: Uint8Array; ciphertextHash: Uint8Array; size: number },
  onBytes?: TransferBytes,
): Promise<string> {
  await mkdir(join(profileDir, ATTACHMENTS_DIR), { recursive: true, mode: 0o700 });
  const localPath = attachmentPath(descriptor.blobId);
  const partial = join(profileDir, ATTACHMENTS_DIR, `.partial-${randomBytes(8).toString('hex')}`);
  try {
    const blob = await client.downloadBlob(descriptor.blobId);
    const total = attachmentCiphertextSize(descriptor.size);
    if (onBytes) await pipeline(blob, counting(total, onBytes), createWriteStream(partial, { mode: 0o600 }));
    else await pipeline(blob, createWriteStream(partial, { mode: 0o600 }));
    await pipeline(
      createReadStream(partial),
      new AttachmentDecryptor(descriptor.key, { expectedHash: descriptor.ciphertextHash }),
      async function* discard(chunks: AsyncIterable<Buffer>) {
        for await (const _chunk of chunks) yield* [];
      },
    );
    await rename(partial, join(profileDir, localPath));
    return localPath;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/** The plaintext of a stored attachment, up to `maxBytes`. */
export async function readAttachment(profileDir: string, localPath: string, key: Uint8Array, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  await pipeline(createReadStream(join(profileDir, localPath)), new AttachmentDecryptor(key), async function* collect(source: AsyncIterable<Buffer>) {
    for await (const chunk of source) {
      total += chunk.length;
      if (total > maxBytes) throw new AegeesError('TOO_LARGE', `attachment is larger than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
    yield* [];
  });
  return Buffer.concat(chunks);
}
