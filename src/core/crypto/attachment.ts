// Attachment encryption as Node streams (docs/PROTOCOL.md §5): a fresh secretstream key
// per attachment, 64 KiB plaintext chunks, TAG_FINAL on the last one. Memory stays
// constant whatever the file size: at most one chunk is held, besides what the streams
// around these transforms buffer.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AegeesError } from '../../common/errors.js';
import { ATTACHMENT_KEY_BYTES, CIPHERTEXT_HASH_BYTES } from '../../common/protocol/constants.js';
import { ATTACHMENT_CHUNK_BYTES } from '../../common/protocol/limits.js';
import {
  STREAM_HEADER_BYTES,
  STREAM_KEY_BYTES,
  STREAM_OVERHEAD_BYTES,
  STREAM_TAG_FINAL,
  STREAM_TAG_MESSAGE,
  constantTimeEqual,
  release,
  secureBuffer,
  secureRandomBytes,
  streamInitPull,
  streamInitPush,
  streamPull,
  streamPush,
} from './sodium.js';

if (STREAM_KEY_BYTES !== ATTACHMENT_KEY_BYTES) throw new Error('libsodium secretstream key size differs from the protocol');

export const ATTACHMENT_FORMAT = 1;
/** Format byte + secretstream header. */
const PREAMBLE_BYTES = 1 + STREAM_HEADER_BYTES;
const CIPHER_CHUNK_BYTES = ATTACHMENT_CHUNK_BYTES + STREAM_OVERHEAD_BYTES;

/** Exact ciphertext size of an attachment of `plaintextSize` bytes. */
export function attachmentCiphertextSize(plaintextSize: number): number {
  const chunks = Math.max(1, Math.ceil(plaintextSize / ATTACHMENT_CHUNK_BYTES));
  return PREAMBLE_BYTES + plaintextSize + chunks * STREAM_OVERHEAD_BYTES;
}

/** Bytes written in pieces and read back in fixed-size pieces, copying only across seams. */
class ChunkQueue {
  private readonly buffers: Buffer[] = [];
  private head = 0;
  length = 0;

  constructor(private readonly staging: Buffer) {}

  push(buffer: Buffer): void {
    if (buffer.length === 0) return;
    this.buffers.push(buffer);
    this.length += buffer.length;
  }

  /** The next `size` bytes, valid until the next call; a view into the input when possible. */
  take(size: number): Buffer {
    const first = this.buffers[0];
    if (first && first.length - this.head >= size) {
      const out = first.subarray(this.head, this.head + size);
      this.advance(size);
      return out;
    }
    let filled = 0;
    while (filled < size) {
      const buffer = this.buffers[0]!;
      const n = Math.min(size - filled, buffer.length - this.head);
      buffer.copy(this.staging, filled, this.head, this.head + n);
      filled += n;
      this.advance(n);
    }
    return this.staging.subarray(0, size);
  }

  private advance(n: number): void {
    this.head += n;
    this.length -= n;
    if (this.head === this.buffers[0]!.length) {
      this.buffers.shift();
      this.head = 0;
    }
  }
}

/**
 * Encrypts one attachment. `key` is fresh for this attachment and belongs to the caller
 * (it goes into the attachment descriptor; `release` it when done). `ciphertextHash` and
 * `plaintextSize` are available once the stream has ended.
 */
export class AttachmentEncryptor extends Transform {
  readonly key: Buffer = secureRandomBytes(STREAM_KEY_BYTES);
  private readonly state: Buffer;
  private readonly preamble: Buffer;
  private started = false;
  private readonly staging = secureBuffer(ATTACHMENT_CHUNK_BYTES);
  // Plaintext is held back until more arrives, because only then is a chunk known not to
  // be the last one; a copy is made only when a chunk spans two input buffers.
  private readonly queue = new ChunkQueue(this.staging);
  private readonly hash: Hash = createHash('sha256');
  private digest: Buffer | undefined;
  private size = 0;

  constructor() {
    super();
    const { state, header } = streamInitPush(this.key);
    this.state = state;
    this.preamble = Buffer.concat([Buffer.of(ATTACHMENT_FORMAT), header]);
  }

  get ciphertextHash(): Buffer {
    if (!this.digest) throw new AegeesError('INVALID_ARGUMENT', 'the attachment stream has not ended yet');
    return this.digest;
  }

  get plaintextSize(): number {
    return this.size;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.start();
    this.size += chunk.length;
    this.queue.push(chunk);
    while (this.queue.length > ATTACHMENT_CHUNK_BYTES) this.pushChunk(this.queue.take(ATTACHMENT_CHUNK_BYTES), STREAM_TAG_MESSAGE);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.start();
    this.pushChunk(this.queue.take(this.queue.length), STREAM_TAG_FINAL);
    this.digest = this.hash.digest();
    this.release();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.release();
    callback(error);
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.output(this.preamble);
  }

  private pushChunk(plaintext: Buffer, tag: number): void {
    const out = Buffer.allocUnsafe(plaintext.length + STREAM_OVERHEAD_BYTES);
    streamPush(this.state, out, plaintext, tag);
    this.output(out);
  }

  private output(bytes: Buffer): void {
    this.hash.update(bytes);
    this.push(bytes);
  }

  private release(): void {
    release(this.state, this.staging);
  }
}

export interface DecryptorOptions {
  /** The descriptor's ciphertext hash; a mismatch fails the stream at its end. */
  readonly expectedHash?: Uint8Array;
}

/**
 * Decrypts one attachment. Fails with STREAM_TRUNCATED if the input ends before the final
 * chunk, DECRYPT_FAILED for a chunk that is altered, reordered, repeated or dropped,
 * MALFORMED for data after the final chunk, HASH_MISMATCH for the wrong ciphertext. Output
 * produced before a failure must be discarded (decryptAttachmentFile deletes it).
 */
export class AttachmentDecryptor extends Transform {
  private readonly key: Buffer;
  private readonly expectedHash: Uint8Array | undefined;
  private state: Buffer | undefined;
  private readonly queue = new ChunkQueue(Buffer.allocUnsafe(CIPHER_CHUNK_BYTES));
  private readonly hash: Hash | undefined;
  private chunks = 0;
  private finished = false;

  constructor(key: Uint8Array, options: DecryptorOptions = {}) {
    super();
    if (key.length !== STREAM_KEY_BYTES) throw new AegeesError('INVALID_ARGUMENT', `attachment key must be ${STREAM_KEY_BYTES} bytes`);
    if (options.expectedHash && options.expectedHash.length !== CIPHERTEXT_HASH_BYTES) {
      throw new AegeesError('INVALID_ARGUMENT', `ciphertext hash must be ${CIPHERTEXT_HASH_BYTES} bytes`);
    }
    this.key = secureBuffer(STREAM_KEY_BYTES);
    this.key.set(key);
    this.expectedHash = options.expectedHash;
    this.hash = options.expectedHash ? createHash('sha256') : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.hash?.update(chunk);
      this.queue.push(chunk);
      if (!this.state && this.queue.length >= PREAMBLE_BYTES) this.init(this.queue.take(PREAMBLE_BYTES));
      while (this.state && this.queue.length > 0) {
        if (this.finished) throw new AegeesError('MALFORMED', 'attachment: data after the final chunk');
        if (this.queue.length < CIPHER_CHUNK_BYTES) break;
        this.decryptChunk(this.queue.take(CIPHER_CHUNK_BYTES));
      }
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      if (!this.finished && this.state && this.queue.length >= STREAM_OVERHEAD_BYTES) {
        this.decryptChunk(this.queue.take(this.queue.length));
      }
      if (!this.finished || this.queue.length > 0) {
        throw new AegeesError('STREAM_TRUNCATED', 'attachment ended before its final chunk');
      }
      if (this.hash && this.expectedHash && !constantTimeEqual(this.hash.digest(), this.expectedHash)) {
        throw new AegeesError('HASH_MISMATCH', 'attachment ciphertext does not match the hash in its descriptor');
      }
      this.release();
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.release();
    callback(error);
  }

  private init(preamble: Buffer): void {
    if (preamble[0] !== ATTACHMENT_FORMAT) {
      throw new AegeesError('UNSUPPORTED_VERSION', `attachment format ${preamble[0]} is not supported; this client reads format ${ATTACHMENT_FORMAT}`);
    }
    this.state = streamInitPull(preamble.subarray(1), this.key);
  }

  private decryptChunk(ciphertext: Buffer): void {
    const out = Buffer.allocUnsafe(ciphertext.length - STREAM_OVERHEAD_BYTES);
    const tag = streamPull(this.state!, out, ciphertext);
    if (tag === STREAM_TAG_FINAL) {
      // Only an empty attachment ends with an empty chunk; anything else has one encoding.
      if (out.length === 0 && this.chunks > 0) throw new AegeesError('MALFORMED', 'attachment: empty final chunk');
      this.finished = true;
    } else if (tag !== STREAM_TAG_MESSAGE || out.length !== ATTACHMENT_CHUNK_BYTES) {
      throw new AegeesError(tag === STREAM_TAG_MESSAGE ? 'STREAM_TRUNCATED' : 'MALFORMED', 'attachment: unexpected chunk');
    }
    this.chunks++;
    this.push(out);
  }

  private release(): void {
    release(this.key, this.state);
  }
}

export interface EncryptedAttachment {
  /** Fresh secretstream key, in guarded memory; the caller `release`s it. */
  readonly key: Buffer;
  readonly ciphertextHash: Buffer;
  readonly size: number;
}

/** Encrypts a file to a file; on failure the partial target is removed. */
export async function encryptAttachmentFile(sourcePath: string, targetPath: string): Promise<EncryptedAttachment> {
  const encryptor = new AttachmentEncryptor();
  try {
    await pipeline(createReadStream(sourcePath), encryptor, createWriteStream(targetPath));
  } catch (error) {
    release(encryptor.key);
    await rm(targetPath, { force: true });
    throw error;
  }
  return { key: encryptor.key, ciphertextHash: encryptor.ciphertextHash, size: encryptor.plaintextSize };
}

/** Decrypts a file to a file; on any failure the partial plaintext is removed. */
export async function decryptAttachmentFile(
  sourcePath: string,
  targetPath: string,
  key: Uint8Array,
  options: DecryptorOptions = {},
): Promise<void> {
  try {
    await pipeline(createReadStream(sourcePath), new AttachmentDecryptor(key, options), createWriteStream(targetPath));
  } catch (error) {
    await rm(targetPath, { force: true });
    throw error;
  }
}
