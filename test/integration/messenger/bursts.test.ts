// The receive path in bursts (docs/ARCHITECTURE.md, Messenger engine): a backlog is stored a
// burst at a time, each burst acknowledged only after its commit, with one delivery receipt
// per sender per burst. Bob's relay sits behind a proxy that checks every ack of a message
// Alice sent against Bob's committed database. Real relay processes, real SQLCipher files;
// in the last test Bob runs as a CLI process that is killed (-9) in the middle of a backlog.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cardFromInviteCode } from '../../../src/core/messenger/cards.js';
import type { MessageView } from '../../../src/core/messenger/messenger.js';
import { RelayClient } from '../../../src/core/relay-client/index.js';
import type { Db } from '../../../src/core/store/database.js';
import { World, befriend, bodies, committedView, conversationId, shownTwice, waitFor, type Profile } from './harness.js';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const BOB_RELAY = 0; // behind the watching proxy
const ALICE_RELAY = 1;

const world = new World();
let alice: Profile;
let bob: Profile;
let conversation: Buffer;
let bobMailbox: Buffer;
let bobDb: Db;
/** Hex ids of every chat message Alice sent in these tests. */
const sentIds = new Set<string>();
const violations: string[] = [];
let onAck: ((msgIds: readonly string[]) => void) | undefined;

const hex = (id: Uint8Array) => Buffer.from(id).toString('hex');
const committed = (id: Uint8Array | string) =>
  bobDb.prepare('SELECT 1 FROM messages WHERE id = ?').get(typeof id === 'string' ? Buffer.from(id, 'hex') : id) !== undefined;

beforeAll(async () => {
  await world.start(2, { hostile: [BOB_RELAY] });
  alice = await world.profile('Alice', [ALICE_RELAY]);
  bob = await world.profile('Bob', [BOB_RELAY]);
  await befriend(alice, bob);
  conversation = conversationId(alice, bob);
  const card = cardFromInviteCode(bob.messenger.inviteCode());
  bobMailbox = Buffer.from(card.deviceList.devices[0]!.mailboxIds[card.deviceList.relays.findIndex((relay) => relay.url === world.url(BOB_RELAY))]!);
  bobDb = await committedView(bob);
  world.proxy(BOB_RELAY).onAck = (msgIds) => {
    for (const id of msgIds) if (sentIds.has(id) && !committed(id)) violations.push(`ack of ${id} before Bob committed it`);
    onAck?.(msgIds);
  };
});

afterAll(async () => {
  bobDb?.close();
  await world.stop();
});

/**
 * Alice writes `count` messages, each with a sent-at time of its own (every `fileEvery`-th
 * with `file` attached), and waits until the relays hold them.
 */
async function write(count: number, label: string, attach?: { file: Buffer; fileEvery: number }): Promise<MessageView[]> {
  const sent: MessageView[] = [];
  for (let i = 0; i < count; i++) {
    await sleep(2);
    const files = attach && i % attach.fileEvery === attach.fileEvery - 1 ? [{ source: attach.file, name: `${i}.bin`, mime: 'application/octet-stream' }] : [];
    const message = await alice.messenger.sendMessage(conversation, { text: `${label} ${i}`, files });
    sentIds.add(hex(message.id));
    sent.push(message);
  }
  await waitFor(() => alice.messenger.pendingDeposits() === 0, `Alice to deposit "${label}"`, 120_000);
  return sent;
}

async function bobStores(messages: readonly MessageView[]): Promise<void> {
  await waitFor(() => messages.every((message) => committed(message.id)), `Bob to store ${messages.length} messages`, 120_000);
}

async function bobRelayEmpty(): Promise<void> {
  await waitFor(async () => (await world.relayHoldings())[BOB_RELAY]!.envelopes === 0, "Bob's relay to delete everything Bob acknowledged");
}

describe('a backlog received in bursts', { timeout: 600_000 }, () => {
  it('commits before it acks and sends fewer delivery receipts than messages, covering them all', async () => {
    await waitFor(() => bob.messenger.pendingDeposits() === 0, "Bob's outbox to drain");
    await world.offline(bob);
    // Files split a burst: what came before them commits, then they are downloaded.
    const file = randomBytes(64 * 1024);
    const sent = await write(40, 'backlog', { file, fileEvery: 8 });
    // With Alice's relay down, Bob's receipts wait in his outbox, where they can be counted.
    await world.killRelay(ALICE_RELAY);
    await world.online(bob);
    await bobStores(sent);
    expect(violations).toEqual([]);
    expect(bodies(bob, conversation).slice(-sent.length)).toEqual(sent.map((message) => message.body));
    expect(shownTwice(bob)).toEqual([]);
    const withFiles = sent.filter((message) => message.attachments.length > 0);
    expect(withFiles).toHaveLength(5);
    for (const message of withFiles) {
      const received = bob.messenger.message(message.id);
      expect((await bob.messenger.attachmentData(received.id, received.attachments[0]!.id)).data.equals(file)).toBe(true);
    }
    // One receipt per sender per commit: one per message would be 40.
    const receipts = bobDb.prepare<[], number>('SELECT count(*) FROM outbox_envelopes WHERE message_seq IS NULL').pluck().get()!;
    expect(receipts).toBeGreaterThanOrEqual(1);
    expect(receipts).toBeLessThan(sent.length);

    await world.restartRelay(ALICE_RELAY);
    await waitFor(
      () => sent.every((message) => alice.messenger.message(message.id).deliveredTo.length === 1),
      'Alice to see every message of the backlog delivered',
    );
    await waitFor(() => bob.messenger.pendingDeposits() === 0, "Bob's receipts to be deposited");
    await bobRelayEmpty();
  });

  it('loses none of a burst when envelopes in its middle are garbage', async () => {
    await world.offline(bob);
    const before = await write(3, 'before the garbage');
    const relay = world.relays[BOB_RELAY]!;
    const tampered = Buffer.from(world.envelopeOn(BOB_RELAY, before[0]!.id)!);
    tampered[tampered.length - 20]! ^= 1;
    // Anyone may deposit: random bytes, and a genuine envelope with a bit flipped, under ids of their own.
    const garbage = [randomBytes(400), tampered].map((envelope) => ({ msgId: randomBytes(16), envelope }));
    const client = new RelayClient({ url: relay.url, relayKey: relay.identityKey });
    try {
      for (const { msgId, envelope } of garbage) await client.deposit({ msgId, mailboxIds: [bobMailbox], envelope });
    } finally {
      client.close();
    }
    const after = await write(3, 'after the garbage');

    await world.online(bob);
    await bobStores([...before, ...after]);
    expect(bodies(bob, conversation).slice(-6)).toEqual([...before, ...after].map((message) => message.body));
    for (const { msgId } of garbage) {
      expect(bob.warnings.some((warning) => warning.includes(`rejected envelope ${hex(msgId)}`))).toBe(true);
      expect(committed(msgId)).toBe(false);
    }
    expect(violations).toEqual([]);
    expect(shownTwice(bob)).toEqual([]);
    // The garbage was acknowledged too, so the relay holds nothing.
    await bobRelayEmpty();
  });

  it('loses nothing and shows nothing twice when the receiver is killed in the middle of a backlog', async () => {
    await world.offline(bob);
    const sent = await write(300, 'long backlog');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/host/cli.ts', '--profile', bob.dir, 'watch'], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // kill -9 as soon as its first ack of the backlog passes the proxy: its first burst is
    // committed, and the relay, which pushes at most its window (64) before acks, has not
    // even pushed the rest.
    onAck = (msgIds) => {
      if (msgIds.some((id) => sentIds.has(id))) child.kill('SIGKILL');
    };
    try {
      await waitFor(() => child.exitCode !== null || child.signalCode !== null, 'the CLI to be killed after its first ack', 120_000);
    } finally {
      onAck = undefined;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    expect(child.signalCode, stderr).toBe('SIGKILL');
    const storedBeforeKill = sent.filter((message) => committed(message.id));
    expect(storedBeforeKill.length).toBeGreaterThan(0);
    expect(storedBeforeKill.length).toBeLessThan(sent.length);

    await world.online(bob);
    await bobStores(sent);
    expect(violations).toEqual([]);
    expect(bodies(bob, conversation).slice(-sent.length)).toEqual(sent.map((message) => message.body));
    // Copies committed by the killed process but not acknowledged come again; none is new.
    expect(storedBeforeKill.filter((message) => bob.shown.includes(hex(message.id)))).toEqual([]);
    expect(shownTwice(bob)).toEqual([]);
    await bobRelayEmpty();
  });
});
