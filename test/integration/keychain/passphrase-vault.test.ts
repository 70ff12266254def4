// The opt-in passphrase vault on real files with real Argon2id (interactive cost, so the
// suite stays quick; the cost actually used is read back from the file).
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PWHASH_INTERACTIVE, PWHASH_MODERATE, randomBytes } from '../../../src/core/crypto/sodium.js';
import { VAULT_FILE, openSecretStore } from '../../../src/core/keychain/open.js';
import { DEFAULT_VAULT_LIMITS } from '../../../src/core/keychain/passphrase-vault.js';
import type { SecretStore } from '../../../src/core/keychain/secret-store.js';
import { parseVaultFile } from '../../../src/core/keychain/vault-file.js';
import { codeOf, isSecure, plain } from './helpers.js';

const PASSPHRASE = 'correct horse battery staple';
let root: string;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aegees-vault-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function newProfileDir(): string {
  return join(root, `profile-${++counter}`);
}

function openVault(dir: string, passphrase: string | Uint8Array = PASSPHRASE): Promise<SecretStore> {
  return openSecretStore(dir, { passphraseVault: { passphrase, limits: PWHASH_INTERACTIVE } });
}

const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** A vault profile holding two secrets, closed, with the vault file's bytes. */
async function populatedVault(): Promise<{ dir: string; path: string; bytes: Buffer; secret: Buffer }> {
  const dir = newProfileDir();
  const secret = randomBytes(32);
  const store = await openVault(dir);
  await store.set('device-key', secret);
  await store.set('every-byte', everyByte);
  store.close();
  const path = join(dir, VAULT_FILE);
  return { dir, path, bytes: await readFile(path), secret };
}

describe('passphrase vault', () => {
  it('is created only on explicit opt-in, holds the secrets encrypted, and reopens', async () => {
    const { dir, path, bytes, secret } = await populatedVault();
    expect(await readdir(dir)).toEqual([VAULT_FILE]);
    expect(bytes.includes(secret)).toBe(false);
    expect(bytes.includes(everyByte.subarray(0, 64))).toBe(false);
    expect(bytes.includes(Buffer.from('device-key'))).toBe(false);
    expect(parseVaultFile(bytes).header.limits).toEqual(PWHASH_INTERACTIVE);

    const store = await openVault(dir);
    expect(store.kind).toBe('passphrase-vault');
    const read = await store.get('device-key');
    expect(plain(read)).toEqual(secret);
    expect(isSecure(read)).toBe(true);
    expect(plain(await store.get('every-byte'))).toEqual(everyByte);
    store.close();
    expect(await readFile(path)).toEqual(bytes);
  });

  it('overwrites and deletes, and the changes survive reopening', async () => {
    const { dir } = await populatedVault();
    const store = await openVault(dir);
    await store.set('device-key', Buffer.from([9, 9, 9]));
    expect(await store.delete('every-byte')).toBe(true);
    expect(await store.delete('every-byte')).toBe(false);
    expect(await store.get('every-byte')).toBeUndefined();
    store.close();
    const reopened = await openVault(dir);
    expect(plain(await reopened.get('device-key'))).toEqual(Buffer.from([9, 9, 9]));
    expect(await reopened.get('every-byte')).toBeUndefined();
    reopened.close();
  });

  it('applies concurrent changes one after another, losing none', async () => {
    const dir = newProfileDir();
    const store = await openVault(dir);
    const values = Array.from({ length: 6 }, () => randomBytes(24));
    await Promise.all(values.map((value, i) => store.set(`key-${i}`, value)));
    store.close();
    const reopened = await openVault(dir);
    for (const [i, value] of values.entries()) expect(plain(await reopened.get(`key-${i}`))).toEqual(value);
    reopened.close();
  });

  it('keeps profiles apart: the same names hold different values', async () => {
    const [a, b] = [await openVault(newProfileDir()), await openVault(newProfileDir(), 'another passphrase')];
    const [valueA, valueB] = [randomBytes(32), randomBytes(32)];
    await a.set('database-key', valueA);
    await b.set('database-key', valueB);
    expect(plain(await a.get('database-key'))).toEqual(valueA);
    expect(plain(await b.get('database-key'))).toEqual(valueB);
    a.close();
    b.close();
  });

  it('accepts the same passphrase typed in another Unicode normalization, or as bytes', async () => {
    const dir = newProfileDir();
    const composed = 'caf\u00e9 na\u00efve';
    const store = await openVault(dir, composed);
    await store.set('k', Buffer.from([1]));
    store.close();
    const decomposed = 'cafe\u0301 nai\u0308ve';
    expect(decomposed).not.toBe(composed);
    (await openVault(dir, decomposed)).close();
    (await openVault(dir, Buffer.from(composed.normalize('NFKC'), 'utf8'))).close();
  });

  it('rejects a wrong passphrase with WRONG_PASSPHRASE and changes nothing', async () => {
    const { dir, path, bytes, secret } = await populatedVault();
    expect(await codeOf(openVault(dir, 'wrong horse battery staple'))).toBe('WRONG_PASSPHRASE');
    expect(await readFile(path)).toEqual(bytes);
    const store = await openVault(dir);
    expect(plain(await store.get('device-key'))).toEqual(secret);
    store.close();
  });

  it('asks for the passphrase when a vault profile is opened without one, and changes nothing', async () => {
    const { dir, path, bytes } = await populatedVault();
    expect(await codeOf(openSecretStore(dir))).toBe('PASSPHRASE_REQUIRED');
    expect(await readdir(dir)).toEqual([VAULT_FILE]);
    expect(await readFile(path)).toEqual(bytes);
  });

  it.each([
    ['a flipped ciphertext byte', (b: Buffer) => Buffer.concat([b.subarray(0, 60), Buffer.from([b[60]! ^ 1]), b.subarray(61)]), 'MALFORMED'],
    ['a flipped salt byte', (b: Buffer) => Buffer.concat([b.subarray(0, 20), Buffer.from([b[20]! ^ 1]), b.subarray(21)]), 'MALFORMED'],
    ['truncation', (b: Buffer) => b.subarray(0, b.length - 7), 'MALFORMED'],
    ['an empty file', () => Buffer.alloc(0), 'MALFORMED'],
    ['unrelated content', () => Buffer.from('{"secrets": {}}\n'), 'MALFORMED'],
    ['a future format version', (b: Buffer) => Buffer.concat([b.subarray(0, 4), Buffer.from([9]), b.subarray(5)]), 'UNSUPPORTED_VERSION'],
  ] as const)('reports %s as a typed error and leaves the file as it was', async (_label, damage, code) => {
    const { dir, path, bytes } = await populatedVault();
    const damaged = damage(bytes);
    await writeFile(path, damaged);
    expect(await codeOf(openVault(dir))).toBe(code);
    expect(await readFile(path)).toEqual(damaged);
    expect(await readdir(dir)).toEqual([VAULT_FILE]);
  });

  it('rejects an empty passphrase and cost limits below interactive', async () => {
    expect(await codeOf(openVault(newProfileDir(), ''))).toBe('INVALID_ARGUMENT');
    const weak = openSecretStore(newProfileDir(), { passphraseVault: { passphrase: PASSPHRASE, limits: { opslimit: 1, memlimit: 8192 } } });
    expect(await codeOf(weak)).toBe('INVALID_ARGUMENT');
  });

  it('writes new vaults with the moderate Argon2id cost unless told otherwise', async () => {
    const dir = newProfileDir();
    (await openSecretStore(dir, { passphraseVault: { passphrase: PASSPHRASE } })).close();
    expect(DEFAULT_VAULT_LIMITS).toEqual(PWHASH_MODERATE);
    expect(parseVaultFile(await readFile(join(dir, VAULT_FILE))).header.limits).toEqual(PWHASH_MODERATE);
  });
});
