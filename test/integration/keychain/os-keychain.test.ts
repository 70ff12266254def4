// The OS keychain store against a real Secret Service: the gnome-keyring that
// scripts/with-secret-service.sh starts on a private D-Bus session.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import keytar from 'keytar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from '../../../src/core/crypto/sodium.js';
import { KEYCHAIN_SERVICE } from '../../../src/core/keychain/os-keychain.js';
import { openSecretStore } from '../../../src/core/keychain/open.js';
import { readProfileId } from '../../../src/core/keychain/profile-id.js';
import { MAX_SECRET_BYTES, type SecretStore } from '../../../src/core/keychain/secret-store.js';
import { codeOf, isSecure, plain } from './helpers.js';

let root: string;
const profileIds: string[] = [];

beforeAll(async () => {
  if (!process.env.AEGEES_SECRET_SERVICE) {
    throw new Error('run these tests through scripts/with-secret-service.sh (npm test does), which starts a private Secret Service');
  }
  root = await mkdtemp(join(tmpdir(), 'aegees-keychain-'));
});

afterAll(async () => {
  for (const { account } of await keytar.findCredentials(KEYCHAIN_SERVICE)) {
    if (profileIds.some((id) => account.startsWith(`${id}/`))) await keytar.deletePassword(KEYCHAIN_SERVICE, account);
  }
  await rm(root, { recursive: true, force: true });
});

async function openProfile(name: string): Promise<{ dir: string; store: SecretStore; id: string }> {
  const dir = join(root, name);
  const store = await openSecretStore(dir);
  const id = (await readProfileId(dir))!;
  profileIds.push(id);
  return { dir, store, id };
}

describe('OS keychain secret store', () => {
  it('round-trips a secret through the Secret Service and across reopening', async () => {
    const { dir, store, id } = await openProfile('round-trip');
    expect(store.kind).toBe('os-keychain');
    const deviceKey = randomBytes(32);
    await store.set('device-key', deviceKey);
    const read = await store.get('device-key');
    expect(plain(read)).toEqual(deviceKey);
    expect(isSecure(read)).toBe(true);
    store.close();

    const reopened = await openSecretStore(dir);
    expect(plain(await reopened.get('device-key'))).toEqual(deviceKey);
    reopened.close();

    // Stored where the design says: service "Aegees Desktop", account "<profile id>/<name>", base64.
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, `${id}/device-key`)).toBe(deviceKey.toString('base64'));
    // The profile directory holds only the (non-secret) profile id, never the secret.
    expect(await readdir(dir)).toEqual(['profile-id']);
    expect((await readFile(join(dir, 'profile-id'))).includes(deviceKey)).toBe(false);
  });

  it('stores binary values with every byte value, up to the size limit', async () => {
    const { store } = await openProfile('binary');
    const everyByte = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await store.set('every-byte', everyByte);
    expect(plain(await store.get('every-byte'))).toEqual(everyByte);
    const largest = randomBytes(MAX_SECRET_BYTES);
    await store.set('largest', largest);
    expect(plain(await store.get('largest'))).toEqual(largest);
    for (const single of [Buffer.from([0]), Buffer.from([0xff])]) {
      await store.set('single', single);
      expect(plain(await store.get('single'))).toEqual(single);
    }
  });

  it('keeps profiles apart: the same names hold different values', async () => {
    const a = await openProfile('alice');
    const b = await openProfile('bob');
    expect(a.id).not.toBe(b.id);
    const [valueA, valueB] = [randomBytes(32), randomBytes(32)];
    await a.store.set('database-key', valueA);
    await b.store.set('database-key', valueB);
    expect(plain(await a.store.get('database-key'))).toEqual(valueA);
    expect(plain(await b.store.get('database-key'))).toEqual(valueB);
    expect(await a.store.delete('database-key')).toBe(true);
    expect(await a.store.get('database-key')).toBeUndefined();
    expect(plain(await b.store.get('database-key'))).toEqual(valueB);
  });

  it('overwrites and deletes', async () => {
    const { store } = await openProfile('overwrite');
    expect(await store.get('missing')).toBeUndefined();
    expect(await store.delete('missing')).toBe(false);
    await store.set('k', Buffer.from([1, 2, 3]));
    await store.set('k', Buffer.from([4, 5]));
    expect(plain(await store.get('k'))).toEqual(Buffer.from([4, 5]));
    expect(await store.delete('k')).toBe(true);
    expect(await store.get('k')).toBeUndefined();
    expect(await store.delete('k')).toBe(false);
  });

  it('rejects bad names and values, entries it did not write, and use after close', async () => {
    const { store, id } = await openProfile('rejects');
    expect(await codeOf(store.set('Bad/Name', Buffer.from([1])))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(store.get(''))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(store.set('empty', Buffer.alloc(0)))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(store.set('huge', Buffer.alloc(MAX_SECRET_BYTES + 1)))).toBe('TOO_LARGE');
    await keytar.setPassword(KEYCHAIN_SERVICE, `${id}/foreign`, 'not base64!');
    expect(await codeOf(store.get('foreign'))).toBe('MALFORMED');
    store.close();
    expect(await codeOf(store.get('foreign'))).toBe('INVALID_ARGUMENT');
  });

  it('refuses to move a keychain profile to a passphrase vault', async () => {
    const { dir, store } = await openProfile('no-switch');
    store.close();
    const attempt = openSecretStore(dir, { passphraseVault: { passphrase: 'correct horse' } });
    expect(await codeOf(attempt)).toBe('INVALID_ARGUMENT');
    expect(await readdir(dir)).toEqual(['profile-id']);
  });
});
