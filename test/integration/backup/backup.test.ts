// Encrypted backup and restore on real profiles: two accounts talk over real relay
// processes (attachments both ways), one exports its profile, the profile and its keychain
// entries are wiped, and the backup is restored on a "new machine" and compared field by
// field and byte by byte, then used to receive and send again. Then every kind of bad
// input (wrong passphrase, flipped bits, truncation, trailing bytes, a newer format, an
// occupied target) is refused with its code, leaving the disk and the keychain as they were.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import keytar from 'keytar';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BACKUP_SECRET_NAMES, readArchive } from '../../../src/core/backup/archive.js';
import { BACKUP_HEADER_BYTES, decodeBackupHeader } from '../../../src/core/backup/header.js';
import { openBackupHeader } from '../../../src/core/backup/passphrase.js';
import { AttachmentDecryptor } from '../../../src/core/crypto/attachment.js';
import { PWHASH_INTERACTIVE, PWHASH_MODERATE } from '../../../src/core/crypto/sodium.js';
import { KEYCHAIN_SERVICE, OsKeychainStore } from '../../../src/core/keychain/os-keychain.js';
import { readProfileId } from '../../../src/core/keychain/profile-id.js';
import { ATTACHMENTS_DIR } from '../../../src/core/messenger/attachment-files.js';
import { Messenger } from '../../../src/core/messenger/messenger.js';
import { DATABASE_KEY_SECRET } from '../../../src/core/store/open.js';
import { codeOf, plain } from '../keychain/helpers.js';
import { World, befriend, waitFor, type Profile } from '../messenger/harness.js';

const PASSPHRASE = 'correct horse battery staple';
const SECRET_TEXT = 'The locker code is 4-8-15-16-23-42';
const ALL_SECRETS = [...BACKUP_SECRET_NAMES, DATABASE_KEY_SECRET];

const world = new World();
let work: string;
let alice: Profile;
let bob: Profile;
let conversationId: Buffer;
let backupPath: string;
let backup: Buffer;
// More than one 64 KiB stream chunk each, so chunking is exercised on both sides.
const sentFile = randomBytes(300 * 1024);
const receivedFile = randomBytes(70 * 1024);
const progress: Array<[number, number]> = [];
let restored: Messenger | undefined;

/**
 * Every file under `dir` (relative path → SHA-256 of its bytes, which compares much
 * faster than the bytes themselves), and every folder (→ 'dir').
 */
async function tree(dir: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let entries;
  try {
    entries = await readdir(join(dir, prefix), { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw error;
  }
  for (const entry of entries) {
    const path = join(prefix, entry.name);
    if (entry.isDirectory()) Object.assign(out, { [path]: 'dir' }, await tree(dir, path));
    else out[path] = createHash('sha256').update(await readFile(join(dir, path))).digest('hex');
  }
  return out;
}

async function attachmentFiles(profileDir: string): Promise<Record<string, Buffer>> {
  const dir = join(profileDir, ATTACHMENTS_DIR);
  const files: Record<string, Buffer> = {};
  for (const name of await readdir(dir)) files[name] = await readFile(join(dir, name));
  return files;
}

/** What a user can see of a profile: every field of every record the messenger shows. */
function visibleState(messenger: Messenger) {
  const conversations = messenger.listConversations();
  return {
    whoami: messenger.whoami(),
    inviteCode: messenger.inviteCode(),
    contacts: messenger.contacts(),
    conversations,
    histories: conversations.map((c) => messenger.history(c.id, { limit: 500 })),
    relays: messenger.listRelays().map(({ url, identityKey, source, inbox }) => ({ url, identityKey, source, inbox })),
    settings: messenger.settings(),
  };
}

/** The plaintext of every attachment in the profile, oldest message first. */
async function attachmentPlaintexts(messenger: Messenger): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const conversation of messenger.listConversations()) {
    for (const message of messenger.history(conversation.id, { limit: 500 }).messages) {
      for (const attachment of message.attachments) out.push((await messenger.attachmentData(message.id, attachment.id)).data);
    }
  }
  return out;
}

/** Byte-for-byte equality with Buffer#equals (deep equality on large buffers is slow). */
function expectSameBytes(actual: Record<string, Buffer> | Buffer[], expected: Record<string, Buffer> | Buffer[]): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [key, bytes] of Object.entries(expected)) {
    expect((actual as Record<string, Buffer>)[key]!.equals(bytes), `${key} differs`).toBe(true);
  }
}

/** The backup's archive, decrypted the way importBackup does, collected in memory. */
async function decryptArchive(bytes: Buffer) {
  const decoded = decodeBackupHeader(bytes.subarray(0, BACKUP_HEADER_BYTES));
  const key = await openBackupHeader(decoded, PASSPHRASE);
  const secrets: string[] = [];
  const files: Record<string, Buffer> = {};
  let database = Buffer.alloc(0);
  const collect = async (content: AsyncIterable<Buffer>) => {
    const pieces: Buffer[] = [];
    for await (const piece of content) pieces.push(Buffer.from(piece));
    return Buffer.concat(pieces);
  };
  let size = 0;
  await pipeline(Readable.from([bytes.subarray(BACKUP_HEADER_BYTES)]), new AttachmentDecryptor(key), async (source: AsyncIterable<Buffer>) => {
    size = await readArchive(source, {
      secret: async (name) => {
        secrets.push(name);
      },
      database: async (_key, _size, content) => {
        database = await collect(content);
      },
      file: async (name, _size, content) => {
        files[name] = await collect(content);
      },
    });
  });
  return { payloadSize: decoded.header.payloadSize, size, secrets, database, files };
}

let attempts = 0;

/**
 * Imports `file` and returns the error code, after checking that the target's folder (or
 * `watch`) is byte for byte as before and every keychain entry the attempt wrote is gone.
 */
async function refusedImport(
  file: Buffer,
  options: { passphrase?: string; profileDir?: string } = {},
): Promise<{ code: string | undefined; written: string[] }> {
  const dir = join(work, 'attempts', String(attempts++));
  await mkdir(dir, { recursive: true });
  const backupFile = join(dir, 'backup');
  await writeFile(backupFile, file);
  const profileDir = options.profileDir ?? join(dir, 'profile');
  const watched = [dir, dirname(profileDir)];
  const before = await Promise.all(watched.map((path) => tree(path)));
  // Observes the real keychain calls (they still go through) to learn the accounts a
  // failed restore wrote under its random profile id.
  const setPassword = vi.spyOn(keytar, 'setPassword');
  let code: string | undefined;
  let written: string[];
  try {
    code = await codeOf(Messenger.importBackup({ backupPath: backupFile, passphrase: options.passphrase ?? PASSPHRASE, profileDir }));
  } finally {
    written = setPassword.mock.calls.map((call) => call[1]);
    setPassword.mockRestore();
  }
  expect(await Promise.all(watched.map((path) => tree(path)))).toEqual(before);
  for (const account of written) expect(await keytar.getPassword(KEYCHAIN_SERVICE, account), account).toBeNull();
  return { code, written };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'aegees-backup-'));
  await world.start(2);
  alice = await world.profile('Alice', [0]);
  bob = await world.profile('Bob', [1]);
  await befriend(alice, bob);
  conversationId = alice.messenger.openDirectConversation(bob.messenger.accountId).id;

  const first = await alice.messenger.sendMessage(conversationId, {
    text: SECRET_TEXT,
    files: [{ source: sentFile, name: 'plan.bin', mime: 'application/octet-stream' }],
  });
  await waitFor(() => bob.messenger.history(conversationId, { limit: 10 }).messages.find((m) => m.id.equals(first.id)), 'Bob to receive');
  const reply = await bob.messenger.sendMessage(conversationId, {
    text: 'Got it; here is mine',
    files: [{ source: receivedFile, name: 'reply.bin', mime: 'application/octet-stream' }],
  });
  await waitFor(() => alice.messenger.history(conversationId, { limit: 10 }).messages.find((m) => m.id.equals(reply.id)), 'Alice to receive the reply');
  alice.messenger.markRead(conversationId);
  await waitFor(() => bob.messenger.message(reply.id).readBy.length === 1, 'the read receipt');
  await waitFor(() => alice.messenger.message(first.id).deliveredTo.length === 1, 'the delivery receipt');
  await waitFor(() => alice.messenger.pendingDeposits() === 0 && bob.messenger.pendingDeposits() === 0, 'every outbox to drain');

  backupPath = join(work, 'alice.aegees-backup');
  await alice.messenger.exportBackup(backupPath, PASSPHRASE, (done, total) => progress.push([done, total]), PWHASH_INTERACTIVE);
  backup = await readFile(backupPath);
});

afterAll(async () => {
  await restored?.close();
  await world.stop();
  await rm(work, { recursive: true, force: true });
});

describe('backup export', () => {
  it('writes one file, reports progress to the end, and leaves no temporary file behind', async () => {
    expect((await readdir(work)).filter((name) => name !== 'attempts')).toEqual(['alice.aegees-backup']);
    expect((await readdir(alice.dir)).filter((name) => name.startsWith('.'))).toEqual([]);
    expect((await stat(backupPath)).mode & 0o777).toBe(0o600);
    const { payloadSize } = decodeBackupHeader(backup.subarray(0, BACKUP_HEADER_BYTES)).header;
    expect(progress.at(-1)).toEqual([payloadSize, payloadSize]);
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThan(progress[i - 1]![0]);
  });

  it('uses a strong Argon2id cost unless told otherwise', async () => {
    const path = join(work, 'default-cost.aegees-backup');
    await alice.messenger.exportBackup(path, PASSPHRASE);
    expect(decodeBackupHeader((await readFile(path)).subarray(0, BACKUP_HEADER_BYTES)).header.limits).toEqual(PWHASH_MODERATE);
    await rm(path);
  });

  it('refuses an empty passphrase or a weak cost, and leaves nothing behind when it cannot write', async () => {
    const before = (await readdir(work)).sort();
    expect(await codeOf(alice.messenger.exportBackup(join(work, 'x'), ''))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(alice.messenger.exportBackup(join(work, 'x'), PASSPHRASE, undefined, { opslimit: 1, memlimit: 8192 }))).toBe('INVALID_ARGUMENT');
    await expect(alice.messenger.exportBackup(join(work, 'missing-folder', 'x'), PASSPHRASE, undefined, PWHASH_INTERACTIVE)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(work)).sort()).toEqual(before);
    expect((await readdir(alice.dir)).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('holds no readable message, attachment or database page, and not the database key', async () => {
    expect(backup.includes(Buffer.from(SECRET_TEXT))).toBe(false);
    for (const file of [sentFile, receivedFile]) {
      for (const at of [0, Math.floor(file.length / 2), file.length - 64]) expect(backup.includes(file.subarray(at, at + 64))).toBe(false);
    }
    const archive = await decryptArchive(backup);
    expect(archive.size).toBe(archive.payloadSize);
    expect(archive.secrets).toEqual([...BACKUP_SECRET_NAMES]);
    // The database copy inside the stream is SQLCipher ciphertext too, as it was on disk.
    expect(archive.database.length).toBeGreaterThan(0);
    expect(archive.database.includes(Buffer.from(SECRET_TEXT))).toBe(false);
    expect(archive.database.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    // Attachments are carried exactly as they are stored: their own ciphertext.
    const onDisk = await attachmentFiles(alice.dir);
    expect(Object.keys(onDisk)).toHaveLength(2);
    expectSameBytes(archive.files, onDisk);
  });
});

describe('backup restore', () => {
  it('restores every message and attachment on a fresh profile, with a new database key, and the profile keeps working', async () => {
    const expected = visibleState(alice.messenger);
    expect(expected.histories[0]!.messages).toHaveLength(2);
    const plaintexts = await attachmentPlaintexts(alice.messenger);
    expectSameBytes(plaintexts, [sentFile, receivedFile]);
    const files = await attachmentFiles(alice.dir);
    const oldProfileId = (await readProfileId(alice.dir))!;
    const oldKeychain = new OsKeychainStore(oldProfileId);
    const oldDatabaseKey = plain(await oldKeychain.get(DATABASE_KEY_SECRET))!;

    // The old machine is gone: its profile folder and its keychain entries.
    await alice.messenger.close();
    world.profiles.splice(world.profiles.indexOf(alice), 1);
    for (const name of ALL_SECRETS) await oldKeychain.delete(name);
    await rm(alice.dir, { recursive: true, force: true });
    for (const name of ALL_SECRETS) expect(await oldKeychain.get(name)).toBeUndefined();

    const profileDir = join(work, 'new-machine', 'Alice');
    const restoreProgress: Array<[number, number]> = [];
    await Messenger.importBackup({
      backupPath,
      passphrase: PASSPHRASE,
      profileDir,
      onProgress: (done, total) => restoreProgress.push([done, total]),
    });
    expect(restoreProgress.at(-1)).toEqual(progress.at(-1));
    expect((await readdir(join(work, 'new-machine'))).sort()).toEqual(['Alice']);

    const warnings: string[] = [];
    const messenger = await Messenger.open({ profileDir, healthIntervalMs: 500, onWarning: (message) => warnings.push(message) });
    restored = messenger;
    expect(visibleState(messenger)).toEqual(expected);
    expectSameBytes(await attachmentPlaintexts(messenger), plaintexts);
    expectSameBytes(await attachmentFiles(profileDir), files);

    const newProfileId = (await readProfileId(profileDir))!;
    expect(newProfileId).not.toBe(oldProfileId);
    const newDatabaseKey = plain(await new OsKeychainStore(newProfileId).get(DATABASE_KEY_SECRET))!;
    expect(newDatabaseKey).toHaveLength(32);
    expect(newDatabaseKey.equals(oldDatabaseKey)).toBe(false);

    messenger.start();
    const later = await bob.messenger.sendMessage(conversationId, { text: 'Welcome back on your new machine' });
    const arrived = await waitFor(
      () => messenger.history(conversationId, { limit: 10 }).messages.find((m) => m.id.equals(later.id)),
      'the restored profile to receive a new message',
    );
    expect(arrived.body).toBe('Welcome back on your new machine');
    const answer = await messenger.sendMessage(conversationId, { text: 'Thanks, all here' });
    await waitFor(() => bob.messenger.history(conversationId, { limit: 10 }).messages.find((m) => m.id.equals(answer.id)), 'Bob to hear from the restored profile');
    expect(warnings).toEqual([]);
  });

  it('restores into a passphrase vault when asked, writing nothing to the keychain', async () => {
    const profileDir = join(work, 'vault-machine', 'Alice');
    const secretStore = { passphraseVault: { passphrase: 'vault passphrase', limits: PWHASH_INTERACTIVE } };
    const setPassword = vi.spyOn(keytar, 'setPassword');
    try {
      await Messenger.importBackup({ backupPath, passphrase: PASSPHRASE, profileDir, secretStoreOptions: secretStore });
      expect(setPassword).not.toHaveBeenCalled();
    } finally {
      setPassword.mockRestore();
    }
    expect(await readProfileId(profileDir)).toBeUndefined();
    const vaultProfile = await Messenger.open({ profileDir, secretStore });
    try {
      const messages = vaultProfile.history(conversationId, { limit: 10 }).messages;
      expect(messages.map((m) => m.body)).toEqual([SECRET_TEXT, 'Got it; here is mine']);
      const attachment = messages[0]!.attachments[0]!;
      expect((await vaultProfile.attachmentData(messages[0]!.id, attachment.id)).data.equals(sentFile)).toBe(true);
    } finally {
      await vaultProfile.close();
    }
  });
});

describe('backup refusals (nothing changes on disk or in the keychain)', () => {
  it('refuses a wrong passphrase before writing anything', async () => {
    const { code, written } = await refusedImport(backup, { passphrase: 'incorrect horse battery staple' });
    expect(code).toBe('WRONG_PASSPHRASE');
    expect(written).toEqual([]);
  });

  it('refuses a flipped bit anywhere: in the header as damage, in the payload as damage too', async () => {
    const end = backup.length;
    const offsets: Array<[string, number]> = [
      ['magic', 0],
      ['key derivation', 5],
      ['Argon2id cost', 8],
      ['salt', 20],
      ['payload size', 37],
      ['nonce', 50],
      ['wrapped key', 80],
      ['checksum', BACKUP_HEADER_BYTES - 1],
      ['stream format byte', BACKUP_HEADER_BYTES],
      ['stream header', BACKUP_HEADER_BYTES + 10],
      ['first chunk', BACKUP_HEADER_BYTES + 25 + 40],
      ['middle', Math.floor(end / 2)],
      ['last chunk', end - 30],
      ['last byte', end - 1],
    ];
    for (const [where, at] of offsets) {
      const bad = Buffer.from(backup);
      bad[at]! ^= 0x04;
      const { code, written } = await refusedImport(bad);
      expect(code, `${where} (byte ${at})`).toBe('MALFORMED');
      // A flip near the end is found only after the secrets were stored: they were removed.
      if (where === 'last byte') expect(written.length).toBeGreaterThan(0);
    }
  });

  it('removes the folders it created for the target when the restore fails', async () => {
    const bad = Buffer.from(backup);
    bad[bad.length - 1]! ^= 0x04;
    const profileDir = join(work, 'attempts', 'nested', 'new', 'deeper', 'profile');
    expect((await refusedImport(bad, { profileDir })).code).toBe('MALFORMED');
    await expect(stat(join(work, 'attempts', 'nested'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('refuses a truncated file', async () => {
    for (const length of [0, 3, 100, BACKUP_HEADER_BYTES - 1]) {
      expect((await refusedImport(backup.subarray(0, length))).code, `${length} bytes`).toBe('MALFORMED');
    }
    for (const length of [BACKUP_HEADER_BYTES, BACKUP_HEADER_BYTES + 25, Math.floor(backup.length / 2), backup.length - 1]) {
      expect((await refusedImport(backup.subarray(0, length))).code, `${length} bytes`).toBe('STREAM_TRUNCATED');
    }
  });

  it('refuses trailing garbage', async () => {
    for (const extra of [Buffer.of(0), randomBytes(70_000)]) {
      expect((await refusedImport(Buffer.concat([backup, extra]))).code, `${extra.length} extra bytes`).toBe('MALFORMED');
    }
  });

  it('refuses an unknown format byte as a newer format', async () => {
    const future = Buffer.from(backup);
    future[4] = 2;
    expect((await refusedImport(future)).code).toBe('UNSUPPORTED_VERSION');
  });

  it('refuses to restore over an existing profile, a non-empty folder or a file', async () => {
    const existing = join(work, 'existing', 'profile');
    const messenger = await Messenger.open({ profileDir: existing });
    const relay = world.relays[0]!;
    await messenger.addRelay(relay.url, { identityKey: relay.identityKey, inbox: true });
    await messenger.createAccount('Carol');
    await messenger.close();
    expect((await refusedImport(backup, { profileDir: existing })).code).toBe('PROFILE_EXISTS');

    const cluttered = join(work, 'cluttered', 'profile');
    await mkdir(cluttered, { recursive: true });
    await writeFile(join(cluttered, 'notes.txt'), 'mine');
    expect((await refusedImport(backup, { profileDir: cluttered })).code).toBe('PROFILE_EXISTS');

    const file = join(work, 'file-target', 'a-file');
    await mkdir(dirname(file));
    await writeFile(file, 'not a folder');
    expect((await refusedImport(backup, { profileDir: file })).code).toBe('PROFILE_EXISTS');
  });

  it('restores into an empty folder that already exists', async () => {
    const profileDir = join(work, 'empty-folder', 'profile');
    await mkdir(profileDir, { recursive: true });
    await Messenger.importBackup({ backupPath, passphrase: PASSPHRASE, profileDir });
    expect((await readdir(profileDir)).sort()).toEqual(['aegees.db', ATTACHMENTS_DIR, 'profile-id']);
    const opened = await Messenger.open({ profileDir });
    try {
      expect(opened.history(conversationId, { limit: 10 }).messages.map((m) => m.body)).toEqual([SECRET_TEXT, 'Got it; here is mine']);
    } finally {
      await opened.close();
      const profileId = (await readProfileId(profileDir))!;
      for (const name of ALL_SECRETS) await new OsKeychainStore(profileId).delete(name);
    }
  });
});
