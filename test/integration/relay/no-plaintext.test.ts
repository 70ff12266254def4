// The store never contains plaintext: a real envelope v1 (and a real encrypted attachment)
// of a known message goes through a relay, and the test searches everything the relay
// stored — the SQLite file, its WAL and the blob directory, or every PostgreSQL row — for
// the message text, the file name, the attachment's content and the sender's identity.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MessageType } from '../../../src/common/protocol/constants.js';
import { AttachmentDecryptor, AttachmentEncryptor } from '../../../src/core/crypto/attachment.js';
import { openEnvelope, sealEnvelope } from '../../../src/core/crypto/envelope.js';
import { generateAccount, generateDevice } from '../../../src/core/crypto/identity.js';
import { blobIdHasher, mailboxIdFor } from '../../../src/core/crypto/mailbox.js';
import type { RelayClient } from '../../../src/core/relay-client/client.js';
import { connectInbox } from '../../support/relay-inbox.js';
import { spawnRelay, type RelayProcess, type RelayProcessOptions } from '../../support/relay-process.js';
import {
  BACKENDS, backendOptions, chunksOf, clientFor, inspectStore, readAll, waitForEmptyStore, release, type StoreInspector } from './harness.js';

const TEXT = 'Meet me at the old lighthouse at 23:15 — bring the blue notebook (secret marker 7f3a).';
const FILE_NAME = 'lighthouse-plan-7f3a.txt';
const ATTACHMENT = Buffer.from('ATTACHMENT-PLAINTEXT-7f3a: the quick brown fox jumps over the lazy dog. '.repeat(4000));

async function encrypt(plaintext: Buffer): Promise<{ ciphertext: Buffer; key: Buffer; ciphertextHash: Buffer }> {
  const encryptor = new AttachmentEncryptor();
  const ciphertext = await readAll(Readable.from([plaintext]).pipe(encryptor));
  return { ciphertext, key: encryptor.key, ciphertextHash: encryptor.ciphertextHash };
}

/** Everything the relay has stored, as raw bytes: files on disk, or every row of every table. */
async function storedBytes(relay: RelayProcess, options: RelayProcessOptions): Promise<Buffer[]> {
  if (options.databaseUrl) {
    const client = new pg.Client({ connectionString: options.databaseUrl });
    await client.connect();
    const { rows: tables } = await client.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    const out: Buffer[] = [];
    for (const { tablename } of tables) {
      const { rows } = await client.query(`SELECT * FROM ${tablename}`);
      for (const row of rows) {
        for (const value of Object.values(row)) out.push(Buffer.isBuffer(value) ? value : Buffer.from(String(value)));
      }
    }
    await client.end();
    return out;
  }
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(relay.dataDir);
  return files.filter((path) => !path.endsWith('identity.key')).map((path) => readFileSync(path));
}

describe.each(BACKENDS)('no plaintext in the store on %s', (backend) => {
  let relay: RelayProcess;
  let options: RelayProcessOptions;
  let client: RelayClient;
  let store: StoreInspector;

  beforeAll(async () => {
    options = await backendOptions(backend, 'plaintext');
    relay = await spawnRelay({ ...options, flags: { 'rate-limit': 0 } });
    client = clientFor(relay);
    store = inspectStore(relay, options);
  });

  afterAll(async () => {
    await release({ client, store, relay });
  });

  it('holds only ciphertext of a real message and attachment, which the recipient opens', async () => {
    const alice = { account: generateAccount(), device: generateDevice() };
    const bob = generateDevice();
    const attachment = await encrypt(ATTACHMENT);
    const hasher = blobIdHasher();
    hasher.update(attachment.ciphertext);
    const blobId = hasher.digest();
    const sealed = sealEnvelope({ accountId: alice.account.accountId, device: alice.device }, {
      type: MessageType.ChatMessage,
      conversationId: Buffer.alloc(32, 1),
      sentAt: Date.now(),
      body: Buffer.from(TEXT, 'utf8'),
      attachments: [{
        blobId, relays: [relay.url], size: ATTACHMENT.length, mime: 'text/plain', name: FILE_NAME,
        key: attachment.key, ciphertextHash: attachment.ciphertextHash,
      }],
      recipients: [{ deviceId: bob.deviceId, encryptionKey: bob.encryption.publicKey }],
    });
    const mailboxId = mailboxIdFor(bob.mailboxRootSecret, relay.identityKey);
    await client.uploadBlob(blobId, attachment.ciphertext.length, chunksOf(attachment.ciphertext));
    await client.deposit({ msgId: sealed.msgId, mailboxIds: [mailboxId], blobIds: [blobId], envelope: sealed.bytes });

    // Stopping would checkpoint; searching the live files (WAL included) is the harder case.
    const stored = await storedBytes(relay, options);
    expect(stored.length).toBeGreaterThan(0);
    const envelopeHere = stored.some((bytes) => bytes.includes(Buffer.from(sealed.bytes).subarray(0, 64)));
    expect(envelopeHere).toBe(true);
    const secrets: Array<[string, Buffer]> = [
      ['message text', Buffer.from(TEXT, 'utf8')],
      ['part of the message text', Buffer.from('old lighthouse', 'utf8')],
      ['file name', Buffer.from(FILE_NAME, 'utf8')],
      ['attachment content', ATTACHMENT.subarray(0, 40)],
      ['attachment key', attachment.key],
      ['sender account id', alice.account.accountId],
      ['sender device id', alice.device.deviceId],
      ['recipient device id', bob.deviceId],
    ];
    for (const [what, needle] of secrets) {
      expect(stored.some((bytes) => bytes.includes(needle)), what).toBe(false);
      expect(stored.some((bytes) => bytes.includes(Buffer.from(needle.toString('hex')))), `${what} (hex)`).toBe(false);
    }

    const inbox = await connectInbox(client, { rootSecret: bob.mailboxRootSecret, autoAck: false });
    const [pushed] = await inbox.waitForCount(1);
    const opened = openEnvelope(pushed!.envelope, bob, () => alice.device.signing.publicKey);
    expect(Buffer.from(opened.body).toString('utf8')).toBe(TEXT);
    const descriptor = opened.attachments[0]!;
    const decrypted = await readAll(
      (await client.downloadBlob(descriptor.blobId)).pipe(new AttachmentDecryptor(descriptor.key, { expectedHash: descriptor.ciphertextHash })),
    );
    expect(decrypted.equals(ATTACHMENT)).toBe(true);
    inbox.session.ack([pushed!.msgId]);
    await waitForEmptyStore(store);
    await inbox.close();
  });
});
