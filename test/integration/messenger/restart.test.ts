// Restarts: a messenger closed with deposits still queued sends them once reopened and a
// relay is back; a reopened messenger reconnects its mailboxes (what was written while it
// was closed arrives, and so does what is written after); a relay restarting under a
// running messenger gets its mailbox connection back. Throughout, a proxy in front of one
// relay watches the wire: no deposit leaves before its envelope is committed in the
// sender's database, and no ack leaves before the message is committed in the receiver's.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessageView } from '../../../src/core/messenger/messenger.js';
import type { Db } from '../../../src/core/store/database.js';
import { World, befriend, bodies, committedView, conversationId, shownTwice, waitFor, type Profile } from './harness.js';

const world = new World();
let alice: Profile;
let bob: Profile;
let conversation: Buffer;
// Relay 0 is reached through the watching proxy; Bob listens there and on 2, Alice on 1.
const WATCHED = 0;
const BOB_RELAYS = [WATCHED, 2];

let aliceDb: Db;
let bobDb: Db;
const checked = { deposits: 0, acks: 0 };
const violations: string[] = [];

beforeAll(async () => {
  await world.start(3, { hostile: [WATCHED] });
  alice = await world.profile('Alice', [1]);
  bob = await world.profile('Bob', BOB_RELAYS);
  await befriend(alice, bob);
  conversation = conversationId(alice, bob);

  [aliceDb, bobDb] = await Promise.all([committedView(alice), committedView(bob)]);
  const committed = (db: Db, table: string, hexId: string) =>
    db.prepare(`SELECT 1 FROM ${table} WHERE msg_id = ?`).get(Buffer.from(hexId, 'hex')) !== undefined;
  const proxy = world.proxy(WATCHED);
  // Only Alice deposits on Bob's relay 0, and only Bob acks there.
  proxy.onDeposit = (msgId) => {
    checked.deposits += 1;
    if (!committed(aliceDb, 'outbox_envelopes', msgId)) violations.push(`deposit of ${msgId} before Alice committed it`);
  };
  proxy.onAck = (msgIds) => {
    for (const msgId of msgIds) {
      checked.acks += 1;
      if (!committed(bobDb, 'seen_messages', msgId)) violations.push(`ack of ${msgId} before Bob committed it`);
    }
  };
});

afterAll(async () => {
  aliceDb?.close();
  bobDb?.close();
  await world.stop();
});

const has = (profile: Profile, id: Buffer) => profile.messenger.history(conversation, { limit: 500 }).messages.some((m) => m.id.equals(id));

async function bobRelaysConnected(): Promise<void> {
  await waitFor(
    () => bob.messenger.listRelays().every((relay) => relay.status === 'connected'),
    "Bob's mailbox connections to be up",
  );
}

describe('a messenger that restarts', () => {
  it('sends what it had queued before it closed once it is reopened and a relay is back', async () => {
    await Promise.all(BOB_RELAYS.map((index) => world.killRelay(index)));
    const file = randomBytes(100 * 1024);
    const queued = [
      await alice.messenger.sendMessage(conversation, { text: 'written while Bob’s relays were down' }),
      await alice.messenger.sendMessage(conversation, { text: 'with a file', files: [{ source: file, name: 'f.bin', mime: 'application/octet-stream' }] }),
    ];
    await waitFor(() => alice.warnings.some((warning) => warning.includes(queued[1]!.id.toString('hex'))), 'a failed deposit');
    expect(alice.messenger.pendingDeposits()).toBeGreaterThanOrEqual(2);
    await world.offline(alice);

    await Promise.all(BOB_RELAYS.map((index) => world.restartRelay(index)));
    await world.online(alice);
    await waitFor(() => queued.every((message) => has(bob, message.id)), 'Bob to get what Alice had queued');
    const received = bob.messenger.message(queued[1]!.id);
    expect((await bob.messenger.attachmentData(received.id, received.attachments[0]!.id)).data.equals(file)).toBe(true);
    await waitFor(() => alice.messenger.pendingDeposits() === 0, "Alice's outbox to drain");
    for (const message of queued) expect(alice.messenger.message(message.id).state).toBe('stored');
    expect(shownTwice(bob)).toEqual([]);
  });

  it('reconnects its mailboxes when reopened: what was written meanwhile and what is written after both arrive', async () => {
    await bobRelaysConnected();
    await world.offline(bob);
    const meanwhile = await alice.messenger.sendMessage(conversation, { text: 'written while Bob’s app was closed' });
    await waitFor(() => alice.messenger.pendingDeposits() === 0, 'the message to reach Bob’s relays');

    await world.online(bob);
    await waitFor(() => has(bob, meanwhile.id), 'Bob to get what was written while he was away');
    await bobRelaysConnected();
    const after = await alice.messenger.sendMessage(conversation, { text: 'written after Bob came back' });
    await waitFor(() => has(bob, after.id), 'Bob to get a message written after he came back');
    expect(bodies(bob, conversation).slice(-2)).toEqual(['written while Bob’s app was closed', 'written after Bob came back']);
    expect(shownTwice(bob)).toEqual([]);
  });

  it('gets its mailbox connection back when a relay restarts under it', async () => {
    await bobRelaysConnected();
    await world.killRelay(2);
    await waitFor(() => bob.messenger.listRelays().find((relay) => relay.url === world.url(2))?.status === 'down', 'Bob to see relay 2 down');
    await world.restartRelay(2);
    await bobRelaysConnected();
    alice.messenger.updateSettings({ redundancy: 1 });
    const sent = await alice.messenger.sendMessage(conversation, { text: 'only through relay 2', relayUrl: world.url(2) });
    await waitFor(() => has(bob, sent.id), 'Bob to get a message that only relay 2 has');
    // The push can reach Bob before Alice has read the relay's answer to her deposit.
    await waitFor(() => alice.messenger.message(sent.id).storedOn.length > 0, 'Alice to record the relay’s receipt');
    expect(alice.messenger.message(sent.id).storedOn).toEqual([world.url(2)]);
    alice.messenger.updateSettings({ redundancy: 2 });
  });

  it('never deposits before committing, and never acknowledges before committing', async () => {
    // Through the watched relay alone, so each ack there is Bob's first and only copy.
    alice.messenger.updateSettings({ redundancy: 1 });
    const file = randomBytes(300 * 1024);
    const sent: MessageView[] = [];
    for (let i = 0; i < 5; i++) {
      const files = i % 2 ? [] : [{ source: file, name: `${i}.bin`, mime: 'application/octet-stream' }];
      sent.push(await alice.messenger.sendMessage(conversation, { text: `watched ${i}`, files, relayUrl: world.url(WATCHED) }));
    }
    await waitFor(() => violations.length > 0 || sent.every((message) => has(bob, message.id)), 'Bob to get every watched message');
    expect(violations).toEqual([]);
    await waitFor(() => sent.every((message) => alice.messenger.message(message.id).storedOn.length > 0), 'Alice to record every receipt');
    for (const message of sent) expect(alice.messenger.message(message.id).storedOn).toEqual([world.url(WATCHED)]);
    alice.messenger.updateSettings({ redundancy: 2 });
    await waitFor(async () => (await world.relayHoldings()).every((h) => h.envelopes === 0), 'every copy to be acknowledged');
    expect(violations).toEqual([]);
    // Each of them was deposited on and acknowledged through the watched relay, at least.
    expect(checked.deposits).toBeGreaterThanOrEqual(sent.length);
    expect(checked.acks).toBeGreaterThanOrEqual(sent.length);
  });
});
