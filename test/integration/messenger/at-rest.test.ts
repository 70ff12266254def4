// At rest, after a real conversation over real relays: no file of either profile (the
// SQLCipher database with its WAL, the attachment files) and no relay's store holds the
// plaintext of a known message, attachment or name, nor a key; opening a profile whose
// database key is wrong or gone, whose device keys are gone, or with no reachable keychain
// fails with a clear error and changes no file.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Messenger } from '../../../src/core/messenger/messenger.js';
import { ACCOUNT_SECRET, DEVICE_SECRET } from '../../../src/core/messenger/identity.js';
import { openSecretStore } from '../../../src/core/keychain/open.js';
import { DATABASE_KEY_SECRET } from '../../../src/core/store/open.js';
import { environmentWithoutKeychain, plain, runJson, tsxCommand } from '../keychain/helpers.js';
import { requireSecretService } from '../store/profile.js';
import { World, befriend, bodies, conversationId, waitFor, type Profile } from './harness.js';

const openMessengerScript = fileURLToPath(new URL('fixtures/open-messenger.ts', import.meta.url));

const TEXTS = ['Meet me under the quixotic sycamore at dawn', 'Bring the xylophonic umbrella and the ledger'];
const NOTE = Buffer.from('Confidential: the Zanzibar manifest lists forty-two crates of saffron.\n'.repeat(2000));
const NOTE_NAME = 'zanzibar-manifest.txt';
const PHOTO = randomBytes(300 * 1024);
const PHOTO_NAME = 'marmalade-lighthouse.jpg';

const world = new World();
let alice: Profile;
let bob: Profile;
let conversation: Buffer;

beforeAll(async () => {
  requireSecretService();
  await world.start(2);
  alice = await world.profile('Wilhelmina Quenby', [0, 1]);
  bob = await world.profile('Bartholomew Ferncastle', [0, 1]);
  await befriend(alice, bob);
  conversation = conversationId(alice, bob);
});

afterAll(() => world.stop());

/** Every file under `dir`, by relative path, with its bytes. */
async function snapshot(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path.slice(dir.length + 1), await readFile(path));
  }
  return files;
}

/** The byte strings that must appear in no file: each text as is, lower-cased, its longer words, and as hex. */
function forbidden(): Array<[string, Buffer]> {
  const texts = [...TEXTS, NOTE_NAME, PHOTO_NAME, 'Wilhelmina Quenby', 'Bartholomew Ferncastle', NOTE.subarray(0, 60).toString()];
  const words = texts.flatMap((text) => text.toLowerCase().split(/\W+/).filter((word) => word.length >= 7));
  return [
    ...[...texts, ...texts.map((text) => text.toLowerCase()), ...words].map((text): [string, Buffer] => [text, Buffer.from(text)]),
    ['a window of the photo', PHOTO.subarray(100_000, 100_048)],
  ];
}

async function keysOf(profile: Profile): Promise<Array<[string, Buffer]>> {
  const secrets = await openSecretStore(profile.dir);
  try {
    const found: Array<[string, Buffer]> = [];
    for (const name of [DATABASE_KEY_SECRET, DEVICE_SECRET, ACCOUNT_SECRET]) {
      const value = plain(await secrets.get(name))!;
      // Each 32-byte key of the secret (the device secret packs three after a format byte).
      for (let at = value.length % 32; at < value.length; at += 32) {
        const key = value.subarray(at, at + 32);
        found.push([`${profile.name}'s ${name}[${at}]`, key], [`${profile.name}'s ${name}[${at}] as hex`, Buffer.from(key.toString('hex'))]);
      }
    }
    return found;
  } finally {
    secrets.close();
  }
}

function leaks(files: Map<string, Buffer>, needles: ReadonlyArray<[string, Buffer]>): string[] {
  return [...files].flatMap(([path, bytes]) => needles.filter(([, needle]) => bytes.includes(needle)).map(([what]) => `${what} in ${path}`));
}

async function expectNoLeaks(dirs: readonly string[], needles: ReadonlyArray<[string, Buffer]>): Promise<number> {
  let scanned = 0;
  for (const dir of dirs) {
    const files = await snapshot(dir);
    scanned += files.size;
    expect(leaks(files, needles)).toEqual([]);
  }
  return scanned;
}

describe('data at rest', () => {
  it('keeps no plaintext of messages, attachments or names, and no key, in any profile or relay file', async () => {
    // The scan can see plaintext: it finds the note in a file that holds it.
    expect(leaks(new Map([['control', Buffer.concat([randomBytes(10), NOTE])]]), forbidden())).not.toEqual([]);

    await world.offline(bob);
    const sent = [
      await alice.messenger.sendMessage(conversation, { text: TEXTS[0]!, files: [{ source: NOTE, name: NOTE_NAME, mime: 'text/plain' }] }),
      await alice.messenger.sendMessage(conversation, { text: TEXTS[1]!, files: [{ source: PHOTO, name: PHOTO_NAME, mime: 'image/jpeg' }] }),
    ];
    await waitFor(() => alice.messenger.pendingDeposits() === 0, 'both messages to reach the relays');
    // What the relays hold while Bob is away: ciphertext only.
    const needles = [...forbidden(), ...(await keysOf(alice)), ...(await keysOf(bob))];
    expect(await expectNoLeaks(world.relays.map((relay) => relay.dataDir), needles)).toBeGreaterThan(2);

    await world.online(bob);
    const received = await waitFor(() => {
      const messages = bob.messenger.history(conversation, { limit: 10 }).messages.filter((m) => sent.some((s) => s.id.equals(m.id)));
      return messages.length === 2 && messages;
    }, 'Bob to get both messages');
    expect(received.map((message) => message.body)).toEqual(TEXTS);
    expect((await bob.messenger.attachmentData(received[0]!.id, received[0]!.attachments[0]!.id)).data.equals(NOTE)).toBe(true);
    expect(bob.messenger.search('xylophonic', 10)).toHaveLength(1);

    // Open (the WAL holds the recent commits) and then closed (checkpointed into the file).
    const profiles = [alice.dir, bob.dir];
    expect(await expectNoLeaks(profiles, needles)).toBeGreaterThanOrEqual(6);
    await world.offline(alice);
    await world.offline(bob);
    const scanned = await snapshot(bob.dir);
    expect([...scanned.keys()].filter((path) => path.startsWith('attachments/'))).toHaveLength(2);
    expect(await expectNoLeaks(profiles, needles)).toBeGreaterThanOrEqual(6);
  });

  describe('opening a profile without the right keys', () => {
    async function withSecret(name: string, change: (secrets: Awaited<ReturnType<typeof openSecretStore>>) => Promise<unknown>, check: () => Promise<void>) {
      if (bob.online) await world.offline(bob);
      const secrets = await openSecretStore(bob.dir);
      const original = plain(await secrets.get(name))!;
      try {
        await change(secrets);
        await check();
      } finally {
        await secrets.set(name, original);
        secrets.close();
      }
    }

    async function expectRefused(code: string, message: RegExp): Promise<void> {
      const before = await snapshot(bob.dir);
      const outcome = await Messenger.open({ profileDir: bob.dir }).then(
        async (messenger) => {
          await messenger.close();
          return 'opened';
        },
        (error: unknown) => error,
      );
      expect(outcome).toMatchObject({ code, message: expect.stringMatching(message) });
      expect(await snapshot(bob.dir)).toEqual(before);
    }

    it('refuses a wrong database key with STORE_WRONG_KEY and changes no file', async () => {
      await withSecret(DATABASE_KEY_SECRET, (secrets) => secrets.set(DATABASE_KEY_SECRET, randomBytes(32)), () =>
        expectRefused('STORE_WRONG_KEY', /database key .* does not open/));
    });

    it('refuses a profile whose database key is gone with STORE_KEY_MISSING, making no new key', async () => {
      await withSecret(DATABASE_KEY_SECRET, (secrets) => secrets.delete(DATABASE_KEY_SECRET), async () => {
        await expectRefused('STORE_KEY_MISSING', /not in the OS keychain/);
        const secrets = await openSecretStore(bob.dir);
        expect(await secrets.get(DATABASE_KEY_SECRET)).toBeUndefined();
        secrets.close();
      });
    });

    it('refuses a profile whose device keys are gone with KEYCHAIN_NOT_FOUND', async () => {
      await withSecret(DEVICE_SECRET, (secrets) => secrets.delete(DEVICE_SECRET), () =>
        expectRefused('KEYCHAIN_NOT_FOUND', /device keys are missing/));
    });

    it('fails with KEYCHAIN_UNAVAILABLE when no keychain is reachable, changing no file', async () => {
      if (bob.online) await world.offline(bob);
      const before = await snapshot(bob.dir);
      const env = environmentWithoutKeychain(await mkdtemp(join(bob.dir, '..', 'runtime-')));
      const result = await runJson<{ code?: string; message?: string }>(tsxCommand(openMessengerScript, bob.dir), env);
      expect(result.code).toBe('KEYCHAIN_UNAVAILABLE');
      expect(result.message).toMatch(/gnome-keyring/);
      expect(await snapshot(bob.dir)).toEqual(before);
      expect(await runJson(tsxCommand(openMessengerScript, bob.dir), process.env)).toEqual({ opened: true, conversations: 1 });
    });

    it('opens again with the right keys, history intact', async () => {
      await world.online(bob);
      expect(bodies(bob, conversation)).toEqual(TEXTS);
      const withPhoto = bob.messenger.history(conversation, { limit: 10 }).messages[1]!;
      expect((await bob.messenger.attachmentData(withPhoto.id, withPhoto.attachments[0]!.id)).data.equals(PHOTO)).toBe(true);
    });
  });
});
