// The local store at rest: encrypted pages, its key only in the OS keychain (the real
// Secret Service started by scripts/with-secret-service.sh), and clear failures that
// leave every file as it was.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import Database from 'better-sqlite3-multiple-ciphers';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import keytar from 'keytar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from '../../../src/core/crypto/sodium.js';
import { KEYCHAIN_SERVICE } from '../../../src/core/keychain/os-keychain.js';
import { openSecretStore } from '../../../src/core/keychain/open.js';
import { readProfileId } from '../../../src/core/keychain/profile-id.js';
import type { SecretStore } from '../../../src/core/keychain/secret-store.js';
import { DATABASE_FILE, DATABASE_KEY_SECRET, openProfileDatabase, openStore } from '../../../src/core/store/open.js';
import { migrate } from '../../../src/core/store/migrate.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../../src/core/store/migrations/index.js';
import { Store } from '../../../src/core/store/store.js';
import { codeOf, environmentWithoutKeychain, plain, runJson, tsxCommand } from '../keychain/helpers.js';
import { forgetProfiles, requireSecretService, snapshot } from './profile.js';

const openStoreScript = fileURLToPath(new URL('fixtures/open-store.ts', import.meta.url));
// Words that must never appear in the files in any form SQLite or FTS5 would store them.
const SECRETS = ['Quixotic zebracorn rendezvous', 'Xylophagous Wombat', 'https://hush-relay.example', 'Moonlit Ferns'];

let root: string;
const profiles: string[] = [];

beforeAll(async () => {
  requireSecretService();
  root = await mkdtemp(join(tmpdir(), 'aegees-store-'));
});

afterAll(async () => {
  await forgetProfiles(profiles);
  await rm(root, { recursive: true, force: true });
});

async function newProfile(): Promise<{ dir: string; secrets: SecretStore }> {
  const dir = join(root, `profile-${profiles.length}`);
  profiles.push(dir);
  return { dir, secrets: await openSecretStore(dir) };
}

function populate(store: Store): void {
  const contact = randomBytes(32);
  const conversation = randomBytes(32);
  store.contacts.put({
    accountId: contact, accountPublicKey: randomBytes(32), displayName: SECRETS[1]!, state: 'accepted',
    verified: true, blocked: false, deviceList: null, deviceListVersion: 0, card: null, addedAt: 1, updatedAt: 1,
  });
  store.conversations.create({ kind: 'direct', id: conversation, peerAccountId: contact, createdAt: 1 });
  store.conversations.create({ kind: 'group', id: randomBytes(32), title: SECRETS[3]!, members: [], createdAt: 1 });
  store.roster.add({ url: SECRETS[2]!, identityKey: randomBytes(32), source: 'user', inbox: true, addedAt: 1 });
  for (let i = 0; i < 200; i++) {
    store.messages.receive({
      id: randomBytes(16), conversationId: conversation, senderAccountId: contact, senderDeviceId: randomBytes(32),
      sentAt: i, receivedAt: i, body: `${SECRETS[0]} number ${i}`,
    });
  }
}

function plaintextIn(bytes: Buffer): string[] {
  const forms = SECRETS.flatMap((secret) => [secret, secret.toLowerCase(), ...secret.toLowerCase().split(/\W+/).filter((w) => w.length > 5)]);
  return forms.filter((form) => bytes.includes(Buffer.from(form, 'utf8')) || bytes.includes(Buffer.from(form, 'utf16le')));
}

describe('encrypted local store', () => {
  it('keeps no plaintext of messages, names or relays in any file, while open or closed', async () => {
    const { dir, secrets } = await newProfile();
    const store = await openStore(dir, secrets);
    populate(store);
    const open = await snapshot(dir);
    expect([...open.keys()]).toEqual(expect.arrayContaining([DATABASE_FILE, `${DATABASE_FILE}-wal`]));
    for (const [name, bytes] of open) expect(plaintextIn(bytes), name).toEqual([]);
    store.close();

    const closed = await snapshot(dir);
    expect([...closed.keys()]).toEqual([DATABASE_FILE, 'profile-id']);
    const database = closed.get(DATABASE_FILE)!;
    expect(database.length).toBeGreaterThan(64 * 1024);
    expect(database.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    expect(plaintextIn(database)).toEqual([]);
  });

  it('would see that plaintext in an unencrypted database (the check above can fail)', async () => {
    const path = join(root, 'plain.db');
    const db = new Database(path);
    migrate(db, MIGRATIONS);
    populate(new Store(db));
    db.close();
    expect(plaintextIn(await readFile(path))).toEqual(expect.arrayContaining([SECRETS[0], SECRETS[1], SECRETS[2], 'zebracorn']));
  });

  it('keeps its random key in the OS keychain and nowhere on disk', async () => {
    const { dir, secrets } = await newProfile();
    (await openStore(dir, secrets)).close();
    const key = plain(await secrets.get(DATABASE_KEY_SECRET))!;
    expect(key).toHaveLength(32);
    const profileId = await readProfileId(dir);
    expect(await keytar.getPassword(KEYCHAIN_SERVICE, `${profileId}/${DATABASE_KEY_SECRET}`)).toBe(key.toString('base64'));
    for (const [name, bytes] of await snapshot(dir)) {
      for (const form of [key, Buffer.from(key.toString('hex')), Buffer.from(key.toString('base64'))]) {
        expect(bytes.includes(form), name).toBe(false);
      }
    }
    // A second profile gets its own key.
    const other = await newProfile();
    (await openStore(other.dir, other.secrets)).close();
    expect(plain(await other.secrets.get(DATABASE_KEY_SECRET))).not.toEqual(key);
  });

  it('opens with WAL, fully synced commits and enforced foreign keys', async () => {
    const { dir, secrets } = await newProfile();
    (await openStore(dir, secrets)).close();
    const db = await openProfileDatabase(dir, secrets);
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('temp_store', { simple: true })).toBe(2);
      expect(db.pragma('cipher', { simple: true })).toBe('sqlcipher');
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  it('refuses a wrong key with STORE_WRONG_KEY and changes no file', async () => {
    const { dir, secrets } = await newProfile();
    const store = await openStore(dir, secrets);
    populate(store);
    store.close();
    const before = await snapshot(dir);
    const rightKey = plain(await secrets.get(DATABASE_KEY_SECRET))!;

    await secrets.set(DATABASE_KEY_SECRET, randomBytes(32));
    expect(await codeOf(openStore(dir, secrets))).toBe('STORE_WRONG_KEY');
    expect(await snapshot(dir)).toEqual(before);

    await secrets.set(DATABASE_KEY_SECRET, rightKey);
    const reopened = await openStore(dir, secrets);
    expect(reopened.messages.search('zebracorn', { limit: 500 })).toHaveLength(200);
    reopened.close();
  });

  it('refuses to run when the key is gone from the keychain, without making a new one', async () => {
    const { dir, secrets } = await newProfile();
    (await openStore(dir, secrets)).close();
    const before = await snapshot(dir);
    const rightKey = plain(await secrets.get(DATABASE_KEY_SECRET))!;
    expect(await secrets.delete(DATABASE_KEY_SECRET)).toBe(true);

    expect(await codeOf(openStore(dir, secrets))).toBe('STORE_KEY_MISSING');
    expect(await secrets.get(DATABASE_KEY_SECRET)).toBeUndefined();
    expect(await snapshot(dir)).toEqual(before);
    await secrets.set(DATABASE_KEY_SECRET, rightKey);
    (await openStore(dir, secrets)).close();
  });

  it('reports a file that is not an Aegees database as STORE_WRONG_KEY, leaving it alone', async () => {
    const { dir, secrets } = await newProfile();
    (await openStore(dir, secrets)).close();
    for (const content of [randomBytes(8192), Buffer.concat([Buffer.from('SQLite format 3\0'), randomBytes(4080)])]) {
      await writeFile(join(dir, DATABASE_FILE), content);
      const before = await snapshot(dir);
      expect(await codeOf(openStore(dir, secrets))).toBe('STORE_WRONG_KEY');
      expect(await snapshot(dir)).toEqual(before);
    }
  });

  it('fails with KEYCHAIN_UNAVAILABLE when the keychain is unreachable, changing no file', async () => {
    const { dir, secrets } = await newProfile();
    const store = await openStore(dir, secrets);
    populate(store);
    store.close();
    const before = await snapshot(dir);
    const env = environmentWithoutKeychain(await mkdtemp(join(root, 'runtime-')));
    const result = await runJson<{ code?: string; message?: string }>(tsxCommand(openStoreScript, dir), env);
    expect(result.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(result.message).toMatch(/gnome-keyring/);
    expect(await snapshot(dir)).toEqual(before);
    // The same child opens the store once the keychain is reachable.
    expect(await runJson(tsxCommand(openStoreScript, dir), process.env)).toEqual({ opened: true });
  });
});
