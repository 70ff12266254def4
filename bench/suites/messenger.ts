// Messenger engine benchmarks (issue 4), each against raw stages measured in the same run:
//  1. send → displayed-on-recipient latency of two real profiles on one real relay process,
//     against a bare deposit → push round trip with the relay client alone;
//  2. backlog catch-up: a recipient that was offline receives N queued messages (verify,
//     open, store, index), as a ratio to the sum of the raw stages on the same envelopes;
//  3. full-text search p99 over a large real SQLCipher store, as a ratio to the same FTS5
//     MATCH run raw on the same connection.
// Profiles keep their secrets in a passphrase vault (cheapest Argon2id cost the vault
// accepts), so the suite needs no D-Bus Secret Service. Sizes can be lowered for a quick
// run: AEGEES_BENCH_LATENCY, AEGEES_BENCH_BACKLOG, AEGEES_BENCH_SEARCH_ROWS,
// AEGEES_BENCH_SEARCH_ROUNDS. Prints Markdown for docs/BENCHMARKS.md.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { decodeChatBody, encodeChatBody } from '../../src/common/protocol/bodies.js';
import { MessageType } from '../../src/common/protocol/constants.js';
import { openEnvelope, sealEnvelope, type OpenedMessage } from '../../src/core/crypto/envelope.js';
import { generateAccount, generateDevice } from '../../src/core/crypto/identity.js';
import { mailboxIdFor } from '../../src/core/crypto/mailbox.js';
import { PWHASH_INTERACTIVE, randomBytes } from '../../src/core/crypto/sodium.js';
import { openSecretStore, type OpenSecretStoreOptions } from '../../src/core/keychain/open.js';
import type { SecretStore } from '../../src/core/keychain/secret-store.js';
import { Directory } from '../../src/core/messenger/directory.js';
import { loadIdentity } from '../../src/core/messenger/identity.js';
import { Messenger, type MessageView } from '../../src/core/messenger/messenger.js';
import { RelayClient } from '../../src/core/relay-client/client.js';
import type { Db } from '../../src/core/store/database.js';
import { toFtsQuery } from '../../src/core/store/fts-query.js';
import { migrate } from '../../src/core/store/migrate.js';
import { MIGRATIONS } from '../../src/core/store/migrations/index.js';
import { openProfileDatabase, openStore, DATABASE_FILE } from '../../src/core/store/open.js';
import { Store } from '../../src/core/store/store.js';
import { spawnRelay, type RelayProcess } from '../../test/support/relay-process.js';
import { TextGenerator, prng } from '../support/zipf-text.js';

const envInt = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
};

const LATENCY_WARMUP = 30;
const LATENCY_MESSAGES = envInt('AEGEES_BENCH_LATENCY', 300);
const BACKLOG = envInt('AEGEES_BENCH_BACKLOG', 20_000);
const SEARCH_ROWS = envInt('AEGEES_BENCH_SEARCH_ROWS', 1_000_000);
const SEARCH_ROUNDS = envInt('AEGEES_BENCH_SEARCH_ROUNDS', 12);
const DECOMPOSITION_ROUNDS = 3;
const SEARCH_LIMIT = 100; // what the UI's search box asks for (src/renderer/chats/SearchResults.tsx)
const SEARCH_BATCH = 20_000;
const SEARCH_CONVERSATIONS = 40;
const DEPOSIT_CONCURRENCY = 32;

const VAULT: OpenSecretStoreOptions = { passphraseVault: { passphrase: 'benchmark passphrase', limits: PWHASH_INTERACTIVE } };
// The relay's per-IP rate limit would treat this one process as an abuser, and its
// per-mailbox quota (10,000 by default) is below the backlog. The log level stays at info:
// spawnRelay waits for the "relay listening" line, and info logs nothing per request.
const RELAY_FLAGS = { 'rate-limit': 0, 'quota-envelopes': 1_000_000 };

const fixed = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (value: number) => fixed(value, 2);
const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);
const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));
const progress = (text: string) => process.stderr.write(`[messenger bench] ${text}\n`);

async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 600_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

// ------------------------------------------------------------ profiles

interface Profile {
  readonly dir: string;
  messenger: Messenger;
  readonly warnings: string[];
}

async function openProfile(profile: Omit<Profile, 'messenger'>): Promise<Messenger> {
  return Messenger.open({
    profileDir: profile.dir,
    secretStore: VAULT,
    healthIntervalMs: 60_000,
    onWarning: (message, error) => profile.warnings.push(`${message}${error instanceof Error ? `: ${error.message}` : ''}`),
  });
}

async function newProfile(root: string, name: string, relay: RelayProcess): Promise<Profile> {
  const partial = { dir: join(root, name), warnings: [] };
  const messenger = await openProfile(partial);
  await messenger.addRelay(relay.url, { identityKey: relay.identityKey, inbox: true });
  await messenger.createAccount(name);
  messenger.start();
  return { ...partial, messenger };
}

async function befriend(a: Profile, b: Profile): Promise<void> {
  await b.messenger.addContact(a.messenger.inviteCode());
  const bId = b.messenger.accountId;
  await waitFor(() => a.messenger.contacts().some((c) => Buffer.from(c.accountId).equals(bId)), 'the contact request');
  await a.messenger.acceptContact(bId);
  const aId = a.messenger.accountId;
  await waitFor(() => b.messenger.contacts().some((c) => Buffer.from(c.accountId).equals(aId) && c.state === 'accepted'), 'the accept');
}

/** Opens a profile's store with its own connection handle (openStore, keeping `db`). */
async function openStoreWithDb(dir: string, secrets: SecretStore): Promise<{ store: Store; db: Db }> {
  const db = await openProfileDatabase(dir, secrets);
  migrate(db, MIGRATIONS);
  return { store: new Store(db), db };
}

async function reopenStore(dir: string): Promise<{ store: Store; secrets: SecretStore }> {
  const secrets = await openSecretStore(dir, VAULT);
  return { store: await openStore(dir, secrets), secrets };
}

/** A fresh profile store holding `count` accepted contacts and their direct conversations. */
async function freshStore(dir: string, count: number): Promise<{ store: Store; db: Db; secrets: SecretStore; conversations: Buffer[]; peers: Buffer[] }> {
  const secrets = await openSecretStore(dir, VAULT);
  const { store, db } = await openStoreWithDb(dir, secrets);
  const conversations: Buffer[] = [];
  const peers: Buffer[] = [];
  store.transaction(() => {
    for (let i = 0; i < count; i++) {
      const peer = randomBytes(32);
      store.contacts.put({
        accountId: peer, accountPublicKey: peer, displayName: `Peer ${i}`, state: 'accepted', verified: false, blocked: false,
        deviceList: null, deviceListVersion: 0, card: null, addedAt: 0, updatedAt: 0,
      });
      const id = randomBytes(32);
      store.conversations.create({ kind: 'direct', id, peerAccountId: peer, createdAt: 0 });
      conversations.push(id);
      peers.push(peer);
    }
  });
  return { store, db, secrets, conversations, peers };
}

// ------------------------------------------------------------ 1. latency

interface LatencyResult {
  engine: number[];
  raw: number[];
  envelopeBytes: number;
}

async function latency(alice: Profile, bob: Profile, relay: RelayProcess, text: TextGenerator): Promise<LatencyResult> {
  const conversation = alice.messenger.openDirectConversation(bob.messenger.accountId).id;
  const bobId = bob.messenger.accountId;

  // Engine: sendMessage → Bob's messageAdded. Matched by body, which is unique per message.
  const shown = new Map<string, (at: number) => void>();
  bob.messenger.on('messageAdded', (message) => shown.get(message.body)?.(performance.now()));
  const delivered = new Map<string, () => void>();
  alice.messenger.on('messageUpdated', (message) => {
    if (message.deliveredTo.some((entry) => entry.accountId.equals(bobId))) delivered.get(message.id.toString('hex'))?.();
  });
  let sequence = 0;
  const engineRoundTrip = async (): Promise<number> => {
    const body = `${sequence++} ${text.message()}`;
    const displayed = new Promise<number>((resolve) => shown.set(body, resolve));
    const start = performance.now();
    const sent = await alice.messenger.sendMessage(conversation, { text: body });
    const receipt = new Promise<void>((resolve) => delivered.set(sent.id.toString('hex'), resolve));
    const at = await displayed;
    shown.delete(body);
    // The delivery receipt travels back before the next send, so one message's
    // background work (receipt, acks) does not overlap the next measurement.
    await receipt;
    delivered.delete(sent.id.toString('hex'));
    return at - start;
  };

  // Raw: the relay client alone, deposit → push on a connected mailbox of the same relay,
  // with an envelope of the engine's size (a real sealed chat envelope to one device).
  const device = generateDevice();
  const envelope = sealEnvelope({ accountId: generateAccount().accountId, device }, {
    type: MessageType.ChatMessage, conversationId: conversation, sentAt: Date.now(), body: encodeChatBody({ text: text.message() }),
    attachments: [], recipients: [{ deviceId: device.deviceId, encryptionKey: device.encryption.publicKey }],
  }).bytes;
  const client = new RelayClient({ url: relay.url, relayKey: relay.identityKey });
  const root = randomBytes(32);
  const mailboxId = mailboxIdFor(root, relay.identityKey);
  const pushed = new Map<string, (at: number) => void>();
  const session = await client.connectMailbox({
    rootSecret: root,
    onEnvelope: (item, live) => {
      pushed.get(item.msgId.toString('hex'))?.(performance.now());
      live.ack([item.msgId]);
    },
  });
  const rawRoundTrip = async (): Promise<number> => {
    const msgId = randomBytes(16);
    const arrived = new Promise<number>((resolve) => pushed.set(msgId.toString('hex'), resolve));
    const start = performance.now();
    await client.deposit({ msgId, mailboxIds: [mailboxId], envelope });
    const at = await arrived;
    pushed.delete(msgId.toString('hex'));
    return at - start;
  };

  // Interleaved, one message at a time, so load on the machine hits both paths alike.
  const result: LatencyResult = { engine: [], raw: [], envelopeBytes: envelope.length };
  for (let i = 0; i < LATENCY_WARMUP + LATENCY_MESSAGES; i++) {
    const engine = await engineRoundTrip();
    await sleep(2);
    const raw = await rawRoundTrip();
    await sleep(2);
    if (i >= LATENCY_WARMUP) {
      result.engine.push(engine);
      result.raw.push(raw);
    }
  }
  await session.close();
  client.close();
  return result;
}

// ------------------------------------------------------------ 2. backlog catch-up

interface BacklogResult {
  queueSeconds: number;
  catchUpSeconds: number;
  receiptsOutSeconds: number;
  /** Delivery-receipt envelopes Bob deposited for Alice during the catch-up. */
  receipts: number;
  openSeconds: number;
  storeSeconds: number;
  storeBatchedSeconds: number;
  transportSeconds: number;
  envelopeBytes: number;
}

/** How many envelopes the relay holds, and how many of them have these message ids, read from its SQLite file. */
function relayEnvelopeCounts(relay: RelayProcess, ids: readonly Buffer[]): { all: number; of: number } {
  const db = new Database(join(relay.dataDir, 'relay.db'), { readonly: true, fileMustExist: true });
  try {
    const has = db.prepare<[Buffer], number>('SELECT 1 FROM envelopes WHERE msg_id = ?').pluck();
    return { all: db.prepare<[], number>('SELECT count(*) FROM envelopes').pluck().get()!, of: ids.filter((id) => has.get(id)).length };
  } finally {
    db.close();
  }
}

/** Envelope bodies the relay holds for these message ids, read from its SQLite file. */
function relayEnvelopes(relay: RelayProcess, ids: readonly Buffer[]): Buffer[] {
  const db = new Database(join(relay.dataDir, 'relay.db'), { readonly: true, fileMustExist: true });
  try {
    const query = db.prepare<[Buffer], Buffer>('SELECT body FROM envelopes WHERE msg_id = ?').pluck();
    return ids.map((id) => {
      const body = query.get(id);
      if (!body) throw new Error(`the relay does not hold ${id.toString('hex')}`);
      return body;
    });
  } finally {
    db.close();
  }
}

async function backlog(alice: Profile, bob: Profile, relay: RelayProcess, text: TextGenerator, root: string): Promise<BacklogResult> {
  const conversation = alice.messenger.openDirectConversation(bob.messenger.accountId).id;
  const aliceId = alice.messenger.accountId;
  await bob.messenger.close();

  // Queue through the engine's own send path: sendMessage seals, commits to the outbox,
  // and the outbox worker deposits on Bob's inbox relay.
  progress(`queueing ${fixed(BACKLOG)} messages through Alice's engine`);
  const ids: Buffer[] = [];
  const queueStart = performance.now();
  for (let i = 0; i < BACKLOG; i++) {
    ids.push((await alice.messenger.sendMessage(conversation, { text: text.message() })).id);
    // sendMessage does not yield; without a turn of the event loop now and then the outbox
    // worker could not deposit as it goes (and idle keep-alive sockets would time out).
    if (i % 20 === 19) await new Promise((resolve) => setImmediate(resolve));
  }
  await waitFor(() => alice.messenger.pendingDeposits() === 0, 'Alice to deposit the backlog');
  const queueSeconds = (performance.now() - queueStart) / 1000;
  await alice.messenger.close();
  const envelopes = relayEnvelopes(relay, ids);
  const envelopeBytes = envelopes.reduce((sum, e) => sum + e.length, 0) / envelopes.length;

  // The engine: Bob comes online and catches up; timed from start() to the last messageAdded.
  progress('Bob catches up');
  bob.messenger = await openProfile(bob);
  let added = 0;
  let allAdded: (at: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (allAdded = resolve));
  bob.messenger.on('messageAdded', (message: MessageView) => {
    if (!message.outgoing && message.conversationId.equals(conversation) && ++added === BACKLOG) allAdded(performance.now());
  });
  const catchUpStart = performance.now();
  bob.messenger.start();
  const catchUpSeconds = ((await done) - catchUpStart) / 1000;
  await waitFor(() => bob.messenger.pendingDeposits() === 0, 'Bob to deposit the delivery receipts');
  await bob.messenger.idle();
  const receiptsOutSeconds = (performance.now() - catchUpStart) / 1000;
  await bob.messenger.close();
  // Alice stays closed, so once the relay has deleted the backlog Bob acked, what it holds
  // is Bob's delivery receipts to her.
  const receipts = (await waitFor(() => {
    const counts = relayEnvelopeCounts(relay, ids);
    return counts.of === 0 && counts;
  }, 'the relay to delete the acknowledged backlog')).all;

  // Raw stage 1: openEnvelope alone (verify + decrypt), Bob's keys, Alice's key looked up once.
  progress('raw stages');
  const bobSecrets = await openSecretStore(bob.dir, VAULT);
  const bobStore = await openStore(bob.dir, bobSecrets);
  const identity = (await loadIdentity(bobStore, bobSecrets))!;
  const directory = new Directory(bobStore, () => identity);
  let senderKey: Uint8Array | undefined;
  const lookup = (header: Parameters<Directory['senderKey']>[0]) => (senderKey ??= directory.senderKey(header));
  openEnvelope(envelopes[0]!, identity.device, lookup);
  const opened: OpenedMessage[] = [];
  const texts: string[] = [];
  let start = performance.now();
  for (const envelope of envelopes) {
    const message = openEnvelope(envelope, identity.device, lookup);
    opened.push(message);
    texts.push(decodeChatBody(message.body).text);
  }
  const openSeconds = (performance.now() - start) / 1000;
  identity.device.dispose();
  identity.account?.dispose();
  bobStore.close();
  bobSecrets.close();

  // Raw stage 2: MessageRepository.receive on a fresh SQLCipher store with the FTS triggers,
  // one durable transaction per message (baseline A, as issue 4's target was first measured)
  // and in transactions of 64 (baseline B: the relay's push window, the largest burst the
  // engine can commit before it must ack).
  const storeOnce = async (dir: string, batch: number): Promise<number> => {
    const fresh = await freshStore(dir, 1);
    const conversationId = fresh.conversations[0]!;
    const insert = (i: number) => {
      const message = opened[i]!;
      fresh.store.messages.receive({
        id: message.msgId, conversationId, senderAccountId: aliceId, senderDeviceId: message.senderDevice,
        sentAt: message.sentAt, receivedAt: Date.now(), body: texts[i]!,
      });
    };
    const began = performance.now();
    for (let i = 0; i < opened.length; i += batch) {
      if (batch === 1) insert(i);
      else fresh.store.transaction(() => {
        for (let j = i; j < Math.min(opened.length, i + batch); j++) insert(j);
      });
    }
    const seconds = (performance.now() - began) / 1000;
    fresh.store.close();
    fresh.secrets.close();
    return seconds;
  };
  const storeSeconds = await storeOnce(join(root, 'raw-store'), 1);
  const storeBatchedSeconds = await storeOnce(join(root, 'raw-store-batched'), 64);

  // Raw stage 3: relay push → ack transport of the same envelope bytes (fresh message ids:
  // the relay keeps tombstones of the delivered ones) to a fresh mailbox on the same relay.
  const client = new RelayClient({ url: relay.url, relayKey: relay.identityKey });
  const mailboxRoot = randomBytes(32);
  const mailboxId = mailboxIdFor(mailboxRoot, relay.identityKey);
  let next = 0;
  await Promise.all(Array.from({ length: DEPOSIT_CONCURRENCY }, async () => {
    while (next < envelopes.length) {
      const envelope = envelopes[next++]!;
      await client.deposit({ msgId: randomBytes(16), mailboxIds: [mailboxId], envelope });
    }
  }));
  let received = 0;
  let allReceived: (at: number) => void = () => undefined;
  const transportDone = new Promise<number>((resolve) => (allReceived = resolve));
  start = performance.now();
  const session = await client.connectMailbox({
    rootSecret: mailboxRoot,
    onEnvelope: (item, live) => {
      live.ack([item.msgId]);
      if (++received === envelopes.length) allReceived(performance.now());
    },
  });
  const transportSeconds = ((await transportDone) - start) / 1000;
  await session.close();
  client.close();

  return { queueSeconds, catchUpSeconds, receiptsOutSeconds, receipts, openSeconds, storeSeconds, storeBatchedSeconds, transportSeconds, envelopeBytes };
}

// ------------------------------------------------------------ 3. search

interface SearchCase {
  readonly label: string;
  readonly query: string;
}

interface SearchResult {
  rows: number;
  buildSeconds: number;
  fileBytes: number;
  cases: Array<SearchCase & { matches: number; engine: number[]; raw: number[]; bySentAt: number[] }>;
  /** Messenger.listConversations() on the same profile, ms: every message unread, then all read. */
  listUnread: number;
  listRead: number;
}

async function search(root: string): Promise<SearchResult> {
  const random = prng(0x5eed);
  const text = new TextGenerator(random);
  const dir = join(root, 'search');
  const { store, db, secrets, conversations, peers } = await freshStore(dir, SEARCH_CONVERSATIONS);

  progress(`building a ${fixed(SEARCH_ROWS)}-message store`);
  const base = Date.UTC(2024, 0, 1);
  const buildStart = performance.now();
  for (let i = 0; i < SEARCH_ROWS; i += SEARCH_BATCH) {
    store.transaction(() => {
      for (let j = i; j < Math.min(SEARCH_ROWS, i + SEARCH_BATCH); j++) {
        const which = Math.floor(random() * SEARCH_CONVERSATIONS);
        // A message a minute, arriving mostly in send order (a few minutes of jitter).
        const sentAt = base + j * 60_000 + Math.floor((random() - 0.5) * 600_000);
        store.messages.receive({
          id: randomBytes(16), conversationId: conversations[which]!, senderAccountId: peers[which]!, senderDeviceId: peers[which]!,
          sentAt, receivedAt: base + j * 60_000 + 1_000, body: text.message(),
        });
      }
    });
    if (i % 200_000 === 0 && i > 0) progress(`${fixed(i)} messages`);
  }
  const buildSeconds = (performance.now() - buildStart) / 1000;
  db.pragma('wal_checkpoint(TRUNCATE)');
  const fileBytes = statSync(join(dir, DATABASE_FILE)).size;

  const v = text.vocabulary;
  const cases: SearchCase[] = [
    { label: 'most frequent word (rank 1)', query: v[0]! },
    { label: 'frequent word (rank 10)', query: v[9]! },
    { label: 'common word (rank 100)', query: v[99]! },
    { label: 'uncommon word (rank 1,000)', query: v[999]! },
    { label: 'rare word (rank 10,000)', query: v[9_999]! },
    { label: 'two words (ranks 5, 50)', query: `${v[4]!} ${v[49]!}` },
    { label: 'three words (ranks 2, 20, 200)', query: `${v[1]!} ${v[19]!} ${v[199]!}` },
    { label: 'first 4 letters of a rare word', query: v[20_000]!.slice(0, 4) },
    { label: 'upper case, as typed (rank 300)', query: v[299]!.toUpperCase() },
    { label: 'no match', query: 'qqxyzzy' },
  ];
  // Raw: the same FTS5 expression the engine builds, newest rowid first, same LIMIT; the
  // rowid order is FTS5's own, so it stops after LIMIT hits.
  const raw = db.prepare<[string, number], { rowid: number; body: string }>(
    'SELECT rowid, body FROM messages_fts WHERE messages_fts MATCH ? ORDER BY rowid DESC LIMIT ?',
  );
  // For reference: the engine's statement as it was, ordered by the sender's clock, which
  // makes SQLite sort every match.
  const bySentAt = db.prepare<[string, number], unknown>(`
    SELECT m.*, snippet(messages_fts, 0, '\u0002', '\u0003', '…', 16) AS marked
    FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid
    WHERE messages_fts MATCH ? ORDER BY m.sent_at DESC, m.seq DESC LIMIT ?`);
  const count = db.prepare<[string], number>('SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?').pluck();
  const time = (work: () => unknown) => {
    const began = performance.now();
    work();
    return performance.now() - began;
  };

  progress('searching');
  const results = cases.map((item) => ({
    ...item, matches: count.get(toFtsQuery(item.query)!)!, engine: [] as number[], raw: [] as number[], bySentAt: [] as number[],
  }));
  for (let round = -2; round < SEARCH_ROUNDS; round++) {
    for (const item of results) {
      const fts = toFtsQuery(item.query)!;
      // Alternating, so caches and machine load affect both paths alike; rounds < 0 warm up.
      const engine = time(() => store.messages.search(item.query, { limit: SEARCH_LIMIT }));
      const rawTime = time(() => raw.all(fts, SEARCH_LIMIT));
      if (round >= 0) {
        item.engine.push(engine);
        item.raw.push(rawTime);
      }
    }
  }
  for (let round = 0; round < DECOMPOSITION_ROUNDS; round++) {
    for (const item of results) {
      const fts = toFtsQuery(item.query)!;
      item.bySentAt.push(time(() => bySentAt.all(fts, SEARCH_LIMIT)));
    }
  }
  store.close();
  secrets.close();

  // Conversation views count their unread messages (schema v3's index answers that).
  progress('listing conversations');
  const listConversations = async (): Promise<number> => {
    const messenger = await Messenger.open({ profileDir: dir, secretStore: VAULT });
    try {
      messenger.listConversations();
      return Math.min(time(() => messenger.listConversations()), time(() => messenger.listConversations()));
    } finally {
      await messenger.close();
    }
  };
  const listUnread = await listConversations();
  const reopened = await reopenStore(dir);
  for (const id of conversations) reopened.store.conversations.markRead(id);
  reopened.store.close();
  reopened.secrets.close();
  const listRead = await listConversations();
  return { rows: SEARCH_ROWS, buildSeconds, fileBytes, cases: results, listUnread, listRead };
}

// ------------------------------------------------------------ report

async function main(): Promise<void> {
  const loadStart = os.loadavg()[0]!;
  const root = mkdtempSync(join(tmpdir(), 'aegees-bench-messenger-'));
  try {
    const relay = await spawnRelay({ flags: RELAY_FLAGS });
    const alice = await newProfile(root, 'Alice', relay);
    const bob = await newProfile(root, 'Bob', relay);
    await befriend(alice, bob);

    progress(`latency: ${LATENCY_WARMUP} + ${LATENCY_MESSAGES} messages`);
    const lat = await latency(alice, bob, relay, new TextGenerator(prng(1)));
    const back = await backlog(alice, bob, relay, new TextGenerator(prng(2)), root);
    await relay.stop();
    rmSync(relay.dataDir, { recursive: true, force: true });
    const warnings = [...alice.warnings, ...bob.warnings];
    if (warnings.length > 0) progress(`warnings: ${warnings.slice(0, 5).join('; ')}`);

    const found = await search(root);

    const engineLatency = sorted(lat.engine);
    const rawLatency = sorted(lat.raw);
    const perMessage = (seconds: number) => (seconds / BACKLOG) * 1e6; // µs
    const rawSum = perMessage(back.openSeconds) + perMessage(back.storeSeconds) + perMessage(back.transportSeconds);
    const rawBatchedSum = perMessage(back.openSeconds) + perMessage(back.storeBatchedSeconds) + perMessage(back.transportSeconds);
    const rawBatchedRate = 1e6 / rawBatchedSum;
    const achieved = BACKLOG / back.catchUpSeconds;
    const rawRate = 1e6 / rawSum;
    const engineAll = sorted(found.cases.flatMap((item) => item.engine));
    const rawAll = sorted(found.cases.flatMap((item) => item.raw));
    const sentAtAll = sorted(found.cases.flatMap((item) => item.bySentAt));

    console.log([
      '## Messenger',
      '',
      'Command: `npm run bench -- messenger`. Real profiles (`Messenger.open` on temporary',
      'directories: SQLCipher stores, WAL, synchronous=FULL) and one real relay process',
      '(`spawnRelay`, SQLite backend, plain WS on loopback), all on this machine; the two',
      'profiles share the bench process. Profile secrets are in the passphrase vault at the',
      "vault's lowest Argon2id cost (no D-Bus needed; the secret store is only read at open).",
      `Load average (1 min) when the suite started and ended: ${fixed(loadStart, 2)} and ${fixed(os.loadavg()[0]!, 2)}.`,
      '',
      `### Send → displayed on the recipient (${fixed(LATENCY_MESSAGES)} messages after ${LATENCY_WARMUP} warm-up, one at a time)`,
      '',
      'From the `sendMessage` call to the recipient\'s `messageAdded`; each message\'s delivery',
      'receipt returns before the next send. Baseline, interleaved message by message: the relay',
      `client alone, \`deposit\` → push on a connected mailbox of the same relay (${fixed(lat.envelopeBytes)}-byte envelope).`,
      '',
      '| path | p50 ms | p99 ms | ratio p50 | ratio p99 |',
      '| --- | ---: | ---: | ---: | ---: |',
      `| messenger: seal, outbox commit, deposit, push, verify, open, store commit | ${ms(percentile(engineLatency, 50))} | ${ms(percentile(engineLatency, 99))} | **${fixed(percentile(engineLatency, 50) / percentile(rawLatency, 50), 2)}** | **${fixed(percentile(engineLatency, 99) / percentile(rawLatency, 99), 2)}** |`,
      `| relay client alone: deposit → push (baseline) | ${ms(percentile(rawLatency, 50))} | ${ms(percentile(rawLatency, 99))} | 1.00 | 1.00 |`,
      '',
      `### Backlog catch-up (${fixed(BACKLOG)} queued messages)`,
      '',
      `Alice's engine queued ${fixed(BACKLOG)} messages to Bob while Bob's profile was closed (\`sendMessage\``,
      `in a loop that yields every 20 messages; ${fixed(back.queueSeconds, 1)} s including the deposits); Alice is closed`,
      "too during the catch-up. Timed from Bob's",
      '`start()` to the last `messageAdded`. Raw stages, on the same envelopes (read from the',
      `relay's file, ${fixed(back.envelopeBytes)} bytes on average): \`openEnvelope\` alone; \`MessageRepository.receive\``,
      'on a fresh SQLCipher store with its FTS triggers, once with one durable transaction per',
      "message and once committing 64 at a time (the relay's push window: the most one relay",
      'has in flight to a mailbox, so the largest burst the engine can commit from it); and the',
      'relay push → ack transport alone (relay client, a fresh mailbox holding the same bytes).',
      '',
      '| stage | µs per message | messages/s |',
      '| --- | ---: | ---: |',
      `| openEnvelope (verify + decrypt) | ${fixed(perMessage(back.openSeconds), 1)} | ${fixed(BACKLOG / back.openSeconds)} |`,
      `| store insert, one durable commit each (FTS indexed) | ${fixed(perMessage(back.storeSeconds), 1)} | ${fixed(BACKLOG / back.storeSeconds)} |`,
      `| store insert, committed 64 at a time (FTS indexed) | ${fixed(perMessage(back.storeBatchedSeconds), 1)} | ${fixed(BACKLOG / back.storeBatchedSeconds)} |`,
      `| relay push → ack transport | ${fixed(perMessage(back.transportSeconds), 1)} | ${fixed(BACKLOG / back.transportSeconds)} |`,
      `| **sum of raw stages, one commit each (baseline A)** | ${fixed(rawSum, 1)} | ${fixed(rawRate)} |`,
      `| **sum of raw stages, commits of 64 (baseline B)** | ${fixed(rawBatchedSum, 1)} | ${fixed(rawBatchedRate)} |`,
      `| **messenger catch-up** | ${fixed(1e6 / achieved, 1)} | ${fixed(achieved)} |`,
      '',
      `Ratio achieved / raw: **${fixed(achieved / rawRate, 2)}** against baseline A, **${fixed(achieved / rawBatchedRate, 2)}** against baseline B`,
      `(target ≥ 0.7). Bob sent ${fixed(back.receipts)} delivery-receipt envelopes for the ${fixed(BACKLOG)} messages; until they`,
      `were deposited too: ${fixed(back.receiptsOutSeconds, 1)} s.`,
      '',
      `### Full-text search over ${fixed(found.rows)} stored messages`,
      '',
      `A real SQLCipher profile store (${fixed(found.fileBytes / 2 ** 20)} MiB) built with \`MessageRepository.receive\` in`,
      `transactions of ${fixed(SEARCH_BATCH)} (${fixed(found.buildSeconds, 1)} s, ${fixed(found.rows / found.buildSeconds)} messages/s), ${SEARCH_CONVERSATIONS} conversations, text from a`,
      'generated 50,000-word vocabulary with Zipf-distributed words (s = 1.07, fixed seed). Each',
      `query ${SEARCH_ROUNDS} times after 2 warm-up rounds through \`MessageRepository.search\`, limit ${SEARCH_LIMIT} (the`,
      "UI's), alternating with the baseline: the same FTS5 MATCH expression run raw on the same",
      'connection, prepared, `SELECT rowid, body FROM messages_fts WHERE messages_fts MATCH ?',
      `ORDER BY rowid DESC LIMIT ${SEARCH_LIMIT}\`. The engine orders by local arrival (\`seq\`, the FTS rowid);`,
      "for reference, the engine's earlier statement, ordered by the sender's clock `sent_at`",
      `(${DECOMPOSITION_ROUNDS} runs each).`,
      '',
      "| query | matches | engine p50 ms | engine p99 ms | raw p50 ms | raw p99 ms | by sender's clock (earlier) p50 ms |",
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...found.cases.map((item) => {
        const [e, r, t] = [sorted(item.engine), sorted(item.raw), sorted(item.bySentAt)];
        return `| ${item.label} | ${fixed(item.matches)} | ${ms(percentile(e, 50))} | ${ms(percentile(e, 99))} | ${ms(percentile(r, 50))} | ${ms(percentile(r, 99))} | ${ms(percentile(t, 50))} |`;
      }),
      `| **all queries** | | ${ms(percentile(engineAll, 50))} | **${ms(percentile(engineAll, 99))}** | ${ms(percentile(rawAll, 50))} | **${ms(percentile(rawAll, 99))}** | ${ms(percentile(sentAtAll, 50))} |`,
      '',
      `Ratio engine p99 / raw p99: **${fixed(percentile(engineAll, 99) / percentile(rawAll, 99), 2)}** (target ≤ 2).`,
      '',
      '`Messenger.listConversations()` on this store (each view counts its unread messages):',
      `${ms(found.listUnread)} ms with every message unread, ${ms(found.listRead)} ms once all are read.`,
    ].join('\n'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
