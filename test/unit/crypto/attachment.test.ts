import fc from 'fast-check';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { AegeesError, type ErrorCode } from '../../../src/common/errors.js';
import { ATTACHMENT_CHUNK_BYTES } from '../../../src/common/protocol/limits.js';
import {
  AttachmentDecryptor,
  AttachmentEncryptor,
  attachmentCiphertextSize,
  decryptAttachmentFile,
  encryptAttachmentFile,
} from '../../../src/core/crypto/attachment.js';
import { STREAM_TAG_MESSAGE, streamInitPush, streamPush } from '../../../src/core/crypto/sodium.js';

const CHUNK = ATTACHMENT_CHUNK_BYTES;
const CIPHER_CHUNK = CHUNK + 17;
const PREAMBLE = 25;

/** Splits `data` into pieces at the given cut points (fractions), to vary stream framing. */
function pieces(data: Buffer, cuts: readonly number[] = []): Buffer[] {
  const points = [...new Set(cuts.map((cut) => Math.floor(cut * data.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let start = 0;
  for (const point of [...points, data.length]) {
    if (point > start) out.push(data.subarray(start, point));
    start = Math.max(start, point);
  }
  return out;
}

async function collect(source: Buffer[], transform: NodeJS.ReadWriteStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  await pipeline(
    Readable.from(source),
    transform,
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        parts.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(parts);
}

async function encrypt(plaintext: Buffer, cuts?: readonly number[]) {
  const encryptor = new AttachmentEncryptor();
  const ciphertext = await collect(pieces(plaintext, cuts), encryptor);
  return { ciphertext, key: encryptor.key, hash: encryptor.ciphertextHash, size: encryptor.plaintextSize };
}

function decrypt(ciphertext: Buffer, key: Uint8Array, expectedHash?: Uint8Array, cuts?: readonly number[]): Promise<Buffer> {
  return collect(pieces(ciphertext, cuts), new AttachmentDecryptor(key, expectedHash ? { expectedHash } : {}));
}

async function rejection(promise: Promise<unknown>): Promise<ErrorCode> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AegeesError);
    return (error as AegeesError).code;
  }
  throw new Error('a bad attachment stream was accepted');
}

const chunkAt = (ciphertext: Buffer, index: number) => ciphertext.subarray(PREAMBLE + index * CIPHER_CHUNK, PREAMBLE + (index + 1) * CIPHER_CHUNK);

describe('attachment streams', () => {
  const sizes = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 12_345];

  it.each(sizes)('round-trip %i bytes with the exact ciphertext size and hash', async (size) => {
    const plaintext = randomBytes(size);
    const { ciphertext, key, hash, size: counted } = await encrypt(plaintext);
    expect(counted).toBe(size);
    expect(ciphertext.length).toBe(attachmentCiphertextSize(size));
    expect(hash.equals(createHash('sha256').update(ciphertext).digest())).toBe(true);
    expect((await decrypt(ciphertext, key, hash)).equals(plaintext)).toBe(true);
  });

  it('produces the same result however the input and the ciphertext are split', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3 * CHUNK }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        async (size, inputCuts, cipherCuts) => {
          const plaintext = randomBytes(size);
          const { ciphertext, key, hash } = await encrypt(plaintext, inputCuts);
          expect(ciphertext.length).toBe(attachmentCiphertextSize(size));
          expect((await decrypt(ciphertext, key, hash, cipherCuts)).equals(plaintext)).toBe(true);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('uses a fresh key for every attachment', async () => {
    const plaintext = randomBytes(1000);
    const [a, b] = [await encrypt(plaintext), await encrypt(plaintext)];
    expect(a.key.equals(b.key)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  describe('rejects', () => {
    const plaintext = randomBytes(3 * CHUNK + 100);
    const ready = encrypt(plaintext);

    it('a stream cut at a chunk boundary before the final chunk', async () => {
      const { ciphertext, key } = await ready;
      for (const chunks of [0, 1, 2, 3]) {
        expect(await rejection(decrypt(ciphertext.subarray(0, PREAMBLE + chunks * CIPHER_CHUNK), key))).toBe('STREAM_TRUNCATED');
      }
    });

    it('a stream cut inside the preamble or inside a chunk', async () => {
      const { ciphertext, key } = await ready;
      expect(await rejection(decrypt(Buffer.alloc(0), key))).toBe('STREAM_TRUNCATED');
      expect(await rejection(decrypt(ciphertext.subarray(0, 10), key))).toBe('STREAM_TRUNCATED');
      expect(await rejection(decrypt(ciphertext.subarray(0, PREAMBLE + 5), key))).toBe('STREAM_TRUNCATED');
      expect(await rejection(decrypt(ciphertext.subarray(0, PREAMBLE + CIPHER_CHUNK + 1000), key))).toBe('DECRYPT_FAILED');
      expect(await rejection(decrypt(ciphertext.subarray(0, ciphertext.length - 1), key))).toBe('DECRYPT_FAILED');
    });

    it('reordered chunks', async () => {
      const { ciphertext, key } = await ready;
      const swapped = Buffer.concat([ciphertext.subarray(0, PREAMBLE), chunkAt(ciphertext, 1), chunkAt(ciphertext, 0), ciphertext.subarray(PREAMBLE + 2 * CIPHER_CHUNK)]);
      expect(await rejection(decrypt(swapped, key))).toBe('DECRYPT_FAILED');
    });

    it('duplicated and dropped chunks', async () => {
      const { ciphertext, key } = await ready;
      const rest = ciphertext.subarray(PREAMBLE + CIPHER_CHUNK);
      const duplicated = Buffer.concat([ciphertext.subarray(0, PREAMBLE + CIPHER_CHUNK), chunkAt(ciphertext, 0), rest]);
      expect(await rejection(decrypt(duplicated, key))).toBe('DECRYPT_FAILED');
      const dropped = Buffer.concat([ciphertext.subarray(0, PREAMBLE), rest]);
      expect(await rejection(decrypt(dropped, key))).toBe('DECRYPT_FAILED');
    });

    it('a last chunk without TAG_FINAL', async () => {
      // Encrypted by hand: every chunk tagged MESSAGE, the last one short.
      const key = randomBytes(32);
      const { state, header } = streamInitPush(key);
      const parts = [Buffer.of(1), header];
      for (const length of [CHUNK, 500]) {
        const out = Buffer.alloc(length + 17);
        streamPush(state, out, randomBytes(length), STREAM_TAG_MESSAGE);
        parts.push(out);
      }
      expect(await rejection(decrypt(Buffer.concat(parts), key))).toBe('STREAM_TRUNCATED');
    });

    it('data after the final chunk', async () => {
      // A short final chunk ends where the stream ends, so extra bytes become part of it
      // and break its tag; after a full-size final chunk they are seen as extra data.
      const { ciphertext, key } = await ready;
      expect(await rejection(decrypt(Buffer.concat([ciphertext, Buffer.of(0)]), key))).toBe('DECRYPT_FAILED');
      expect(await rejection(decrypt(Buffer.concat([ciphertext, chunkAt(ciphertext, 0)]), key))).toBe('DECRYPT_FAILED');
      const exact = await encrypt(randomBytes(CHUNK));
      expect(await rejection(decrypt(Buffer.concat([exact.ciphertext, randomBytes(30)]), exact.key))).toBe('MALFORMED');
      expect(await rejection(decrypt(Buffer.concat([exact.ciphertext, chunkAt(exact.ciphertext, 0)]), exact.key))).toBe('MALFORMED');
    });

    it('a ciphertext that does not match the descriptor hash', async () => {
      const { ciphertext, key, hash } = await ready;
      const other = Buffer.from(hash);
      other[0]! ^= 1;
      expect(await rejection(decrypt(ciphertext, key, other))).toBe('HASH_MISMATCH');
    });

    it('the wrong key, an unknown format and any flipped bit', async () => {
      const { ciphertext, key } = await encrypt(randomBytes(CHUNK + 10));
      expect(await rejection(decrypt(ciphertext, randomBytes(32)))).toBe('DECRYPT_FAILED');
      const future = Buffer.from(ciphertext);
      future[0] = 2;
      expect(await rejection(decrypt(future, key))).toBe('UNSUPPORTED_VERSION');
      for (let bit = 0; bit < ciphertext.length * 8; bit += 997) {
        const flipped = Buffer.from(ciphertext);
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        await rejection(decrypt(flipped, key));
      }
    });

    it('arbitrary bytes, with a typed error', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
          await rejection(decrypt(Buffer.from(bytes), randomBytes(32)));
        }),
        { numRuns: 200 },
      );
    });

    it('bad arguments', () => {
      expect(() => new AttachmentDecryptor(new Uint8Array(31))).toThrow(AegeesError);
      expect(() => new AttachmentDecryptor(new Uint8Array(32), { expectedHash: new Uint8Array(31) })).toThrow(AegeesError);
      expect(() => new AttachmentEncryptor().ciphertextHash).toThrow(AegeesError);
    });
  });

  describe('file to file', () => {
    const dir = mkdtemp(join(tmpdir(), 'aegees-attachment-'));
    afterAll(async () => rm(await dir, { recursive: true, force: true }));

    it('round-trips a file and checks the hash', async () => {
      const root = await dir;
      const plaintext = randomBytes(5 * CHUNK + 77);
      await writeFile(join(root, 'plain'), plaintext);
      const { key, ciphertextHash, size } = await encryptAttachmentFile(join(root, 'plain'), join(root, 'cipher'));
      expect(size).toBe(plaintext.length);
      await decryptAttachmentFile(join(root, 'cipher'), join(root, 'out'), key, { expectedHash: ciphertextHash });
      expect((await readFile(join(root, 'out'))).equals(plaintext)).toBe(true);
    });

    it('removes the partial plaintext when decryption fails', async () => {
      const root = await dir;
      await writeFile(join(root, 'plain2'), randomBytes(3 * CHUNK));
      const { key } = await encryptAttachmentFile(join(root, 'plain2'), join(root, 'cipher2'));
      const ciphertext = await readFile(join(root, 'cipher2'));
      await writeFile(join(root, 'cut'), ciphertext.subarray(0, PREAMBLE + 2 * CIPHER_CHUNK));
      expect(await rejection(decryptAttachmentFile(join(root, 'cut'), join(root, 'out2'), key))).toBe('STREAM_TRUNCATED');
      expect(existsSync(join(root, 'out2'))).toBe(false);
    });
  });
});
