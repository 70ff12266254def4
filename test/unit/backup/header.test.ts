// The backup header codec: total over every byte string (decodes or refuses with an
// AegeesError), exact round trips, damage told apart from a newer format, and the
// passphrase wrap refusing a wrong passphrase with its own code.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAegeesError, type ErrorCode } from '../../../src/common/errors.js';
import {
  BACKUP_FORMAT, BACKUP_HEADER_BYTES, BACKUP_MAGIC, MAX_PAYLOAD_BYTES, WRAPPED_KEY_BYTES, backupFileSize,
  decodeBackupHeader, encodeAssociatedData, encodeBackupHeader,
} from '../../../src/core/backup/header.js';
import { openBackupHeader, sealBackupHeader } from '../../../src/core/backup/passphrase.js';
import { PWHASH_INTERACTIVE, PWHASH_MODERATE, randomBytes } from '../../../src/core/crypto/sodium.js';

const FORMAT_OFFSET = BACKUP_MAGIC.length;

function header(payloadSize = 1234): Buffer {
  const associatedData = encodeAssociatedData({ limits: PWHASH_INTERACTIVE, salt: randomBytes(16), payloadSize, nonce: randomBytes(24) });
  return encodeBackupHeader(associatedData, randomBytes(WRAPPED_KEY_BYTES));
}

function codeOf(run: () => unknown): ErrorCode | undefined {
  try {
    run();
  } catch (error) {
    if (isAegeesError(error)) return error.code;
    throw error;
  }
  return undefined;
}

async function asyncCodeOf(run: () => Promise<unknown>): Promise<ErrorCode | undefined> {
  try {
    await run();
  } catch (error) {
    if (isAegeesError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('backup header codec', () => {
  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 24, maxLength: 24 }),
        fc.uint8Array({ minLength: WRAPPED_KEY_BYTES, maxLength: WRAPPED_KEY_BYTES }),
        fc.integer({ min: 0, max: MAX_PAYLOAD_BYTES }),
        fc.constantFrom(PWHASH_INTERACTIVE, PWHASH_MODERATE),
        (salt, nonce, wrappedKey, payloadSize, limits) => {
          const associatedData = encodeAssociatedData({ limits, salt, payloadSize, nonce });
          const bytes = encodeBackupHeader(associatedData, wrappedKey);
          expect(bytes.length).toBe(BACKUP_HEADER_BYTES);
          const decoded = decodeBackupHeader(bytes);
          expect(decoded.header).toEqual({ limits, salt, payloadSize, nonce, wrappedKey });
          expect(Buffer.from(decoded.associatedData)).toEqual(Buffer.from(associatedData));
        },
      ),
    );
  });

  it('decodes or refuses with an AegeesError every byte string', () => {
    const anyBytes = fc.uint8Array({ maxLength: BACKUP_HEADER_BYTES + 8 });
    // Most random strings fail at the magic; these get past it to the later checks.
    const withMagic = fc.uint8Array({ maxLength: BACKUP_HEADER_BYTES + 8 }).map((tail) =>
      Buffer.concat([BACKUP_MAGIC, Buffer.of(BACKUP_FORMAT), tail]),
    );
    const validHeader = fc.constant(null).map(() => header());
    const mutated = fc.tuple(validHeader, fc.nat(BACKUP_HEADER_BYTES - 1), fc.integer({ min: 1, max: 255 })).map(([bytes, at, xor]) => {
      bytes[at]! ^= xor;
      return bytes;
    });
    fc.assert(
      fc.property(fc.oneof(anyBytes, withMagic, mutated), (bytes) => {
        try {
          decodeBackupHeader(bytes);
        } catch (error) {
          expect(isAegeesError(error)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('reports any changed byte as damage, except the format byte, which is a newer format', () => {
    const good = header();
    for (let at = 0; at < good.length; at++) {
      for (const xor of [0x01, 0x80]) {
        const bad = Buffer.from(good);
        bad[at]! ^= xor;
        expect(codeOf(() => decodeBackupHeader(bad)), `byte ${at} ^ ${xor}`).toBe(at === FORMAT_OFFSET ? 'UNSUPPORTED_VERSION' : 'MALFORMED');
      }
    }
  });

  it('refuses every truncation and anything after the header', () => {
    const good = header();
    for (let length = 0; length < good.length; length++) {
      expect(codeOf(() => decodeBackupHeader(good.subarray(0, length))), `length ${length}`).toBe('MALFORMED');
    }
    expect(codeOf(() => decodeBackupHeader(Buffer.concat([good, Buffer.of(0)])))).toBe('MALFORMED');
  });

  it('refuses Argon2id costs a crafted file could use to exhaust the machine, even with a valid checksum', () => {
    const forge = (opslimit: number, memlimitKiB: number) => {
      const associatedData = Buffer.from(encodeAssociatedData({ limits: PWHASH_INTERACTIVE, salt: randomBytes(16), payloadSize: 1, nonce: randomBytes(24) }));
      associatedData.writeUInt32BE(opslimit, 6);
      associatedData.writeUInt32BE(memlimitKiB, 10);
      return encodeBackupHeader(associatedData, randomBytes(WRAPPED_KEY_BYTES));
    };
    expect(codeOf(() => decodeBackupHeader(forge(1_000_000, PWHASH_INTERACTIVE.memlimit / 1024)))).toBe('MALFORMED');
    expect(codeOf(() => decodeBackupHeader(forge(PWHASH_INTERACTIVE.opslimit, 4 * 1024 * 1024)))).toBe('MALFORMED');
    expect(codeOf(() => decodeBackupHeader(forge(1, 8)))).toBe('MALFORMED');
  });

  it('refuses to encode weak costs or impossible sizes', () => {
    const base = { limits: PWHASH_INTERACTIVE, salt: randomBytes(16), payloadSize: 0, nonce: randomBytes(24) };
    expect(codeOf(() => encodeAssociatedData({ ...base, limits: { opslimit: 1, memlimit: 8192 } }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => encodeAssociatedData({ ...base, payloadSize: MAX_PAYLOAD_BYTES + 1 }))).toBe('TOO_LARGE');
    expect(codeOf(() => encodeAssociatedData({ ...base, payloadSize: -1 }))).toBe('TOO_LARGE');
  });

  it('gives the exact file size: header, stream preamble, payload and 17 bytes per 64 KiB chunk', () => {
    expect(backupFileSize(0)).toBe(BACKUP_HEADER_BYTES + 25 + 17);
    expect(backupFileSize(65_536)).toBe(BACKUP_HEADER_BYTES + 25 + 65_536 + 17);
    expect(backupFileSize(65_537)).toBe(BACKUP_HEADER_BYTES + 25 + 65_537 + 34);
  });
});

describe('backup passphrase wrap', () => {
  const streamKey = randomBytes(32);

  it('unwraps the stream key with the passphrase, in any Unicode normal form', async () => {
    const bytes = await sealBackupHeader('Caf\u00e9 au lait', PWHASH_INTERACTIVE, 42, streamKey);
    const decoded = decodeBackupHeader(bytes);
    expect(decoded.header.payloadSize).toBe(42);
    expect(Buffer.from(await openBackupHeader(decoded, 'Caf\u00e9 au lait')).equals(streamKey)).toBe(true);
    expect(Buffer.from(await openBackupHeader(decoded, 'Cafe\u0301 au lait')).equals(streamKey)).toBe(true);
  });

  it('refuses a wrong passphrase, and a header changed with its checksum redone, as WRONG_PASSPHRASE', async () => {
    const bytes = await sealBackupHeader('right', PWHASH_INTERACTIVE, 42, streamKey);
    expect(await asyncCodeOf(() => openBackupHeader(decodeBackupHeader(bytes), 'wrong'))).toBe('WRONG_PASSPHRASE');
    // Someone who rewrites the declared size (and the unkeyed checksum) still fails the wrap.
    const decoded = decodeBackupHeader(bytes);
    const associatedData = Buffer.from(decoded.associatedData);
    associatedData.writeUInt32BE(43, 34);
    const forged = decodeBackupHeader(encodeBackupHeader(associatedData, decoded.header.wrappedKey));
    expect(forged.header.payloadSize).toBe(43);
    expect(await asyncCodeOf(() => openBackupHeader(forged, 'right'))).toBe('WRONG_PASSPHRASE');
  });

  it('refuses an empty passphrase and weak costs', async () => {
    expect(await asyncCodeOf(() => sealBackupHeader('', PWHASH_INTERACTIVE, 1, streamKey))).toBe('INVALID_ARGUMENT');
    expect(await asyncCodeOf(() => sealBackupHeader('x', { opslimit: 1, memlimit: 8192 }, 1, streamKey))).toBe('INVALID_ARGUMENT');
  });
});
