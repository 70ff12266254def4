import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAegeesError, type ErrorCode } from '../../../src/common/errors.js';
import { PWHASH_INTERACTIVE, randomBytes } from '../../../src/core/crypto/sodium.js';
import {
  VAULT_HEADER_BYTES, decodeSecrets, encodeSecrets, encodeVaultFile, encodeVaultHeader, parseVaultFile,
} from '../../../src/core/keychain/vault-file.js';

const header = { limits: PWHASH_INTERACTIVE, salt: randomBytes(16), nonce: randomBytes(24) };

function vaultBytes(ciphertext = randomBytes(40)): Buffer {
  return encodeVaultFile(encodeVaultHeader(header), ciphertext);
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

describe('vault file layout', () => {
  it('parses what it encodes', () => {
    const ciphertext = randomBytes(40);
    const parsed = parseVaultFile(vaultBytes(ciphertext));
    expect(parsed.header.limits).toEqual(PWHASH_INTERACTIVE);
    expect(Buffer.from(parsed.header.salt)).toEqual(header.salt);
    expect(Buffer.from(parsed.header.nonce)).toEqual(header.nonce);
    expect(parsed.headerBytes).toEqual(encodeVaultHeader(header));
    expect(parsed.ciphertext).toEqual(ciphertext);
  });

  it('reports any flipped byte as damage, never as a wrong passphrase', () => {
    const good = vaultBytes();
    for (let at = 6; at < good.length; at++) {
      const bad = Buffer.from(good);
      bad[at]! ^= 0x01;
      expect(codeOf(() => parseVaultFile(bad)), `byte ${at}`).toBe('MALFORMED');
    }
  });

  it('rejects other files, truncation and unknown versions with typed errors', () => {
    const good = vaultBytes();
    expect(codeOf(() => parseVaultFile(Buffer.from('{"not":"a vault"}')))).toBe('MALFORMED');
    expect(codeOf(() => parseVaultFile(Buffer.alloc(0)))).toBe('MALFORMED');
    expect(codeOf(() => parseVaultFile(good.subarray(0, VAULT_HEADER_BYTES + 10)))).toBe('MALFORMED');
    expect(codeOf(() => parseVaultFile(good.subarray(0, good.length - 1)))).toBe('MALFORMED');
    const future = Buffer.from(good);
    future[4] = 2;
    expect(codeOf(() => parseVaultFile(future))).toBe('UNSUPPORTED_VERSION');
  });

  it('refuses Argon2id limits a crafted file could use to exhaust the machine', () => {
    const huge = encodeVaultHeader(header);
    huge.writeUInt32BE(4 * 1024 * 1024, 10); // 4 GiB, in KiB
    expect(codeOf(() => parseVaultFile(encodeVaultFile(huge, randomBytes(40))))).toBe('MALFORMED');
    const manyPasses = encodeVaultHeader(header);
    manyPasses.writeUInt32BE(1_000_000, 6);
    expect(codeOf(() => parseVaultFile(encodeVaultFile(manyPasses, randomBytes(40))))).toBe('MALFORMED');
  });
});

describe('vault secrets encoding', () => {
  const name = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,63}$/);
  const value = fc.uint8Array({ minLength: 1, maxLength: 300 });

  it('round-trips any set of secrets into guarded memory', () => {
    fc.assert(
      fc.property(fc.dictionary(name, value, { maxKeys: 20 }), (record) => {
        const secrets = new Map(Object.entries(record).map(([k, v]) => [k, Buffer.from(v)]));
        const decoded = decodeSecrets(encodeSecrets(secrets));
        expect([...decoded.keys()].sort()).toEqual([...secrets.keys()].sort());
        for (const [key, secret] of decoded) {
          expect(secret.equals(secrets.get(key)!)).toBe(true);
          expect((secret as Buffer & { secure?: boolean }).secure).toBe(true);
        }
      }),
    );
  });

  it('rejects trailing bytes, repeated names and impossible lengths', () => {
    const one = encodeSecrets(new Map([['a', Buffer.from([1])]]));
    expect(codeOf(() => decodeSecrets(Buffer.concat([one, Buffer.from([0])])))).toBe('MALFORMED');
    const twice = Buffer.concat([Buffer.from([0, 2]), one.subarray(2), one.subarray(2)]);
    expect(codeOf(() => decodeSecrets(twice))).toBe('MALFORMED');
    const long = Buffer.from(one);
    long.writeUInt32BE(1000, 4);
    expect(codeOf(() => decodeSecrets(long))).toBe('MALFORMED');
    expect(codeOf(() => decodeSecrets(Buffer.alloc(1)))).toBe('MALFORMED');
  });
});
