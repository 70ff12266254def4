// The server picker over real relays: a message sent through a chosen relay is stored on
// exactly that relay plus the backups, the conversation's choice applies until a message
// overrides it, automatic choice spreads over the recipient's relays, and a chosen relay
// that is down or that the recipient does not listen on loses nothing. Bob is offline
// while Alice writes, so the relays' stores show where each copy went.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { World, befriend, conversationId, shownTwice, waitFor, type Profile } from './harness.js';

const world = new World();
let alice: Profile;
let bob: Profile;
let conversation: Buffer;
// Alice listens on relay 0 only, Bob on 1, 2 and 3; Alice's roster (the picker) has all four.
const BOB_RELAYS = [1, 2, 3];

beforeAll(async () => {
  await world.start(4);
  alice = await world.profile('Alice', [0], BOB_RELAYS);
  bob = await world.profile('Bob', BOB_RELAYS);
  await befriend(alice, bob);
  conversation = conversationId(alice, bob);
});

beforeEach(async () => {
  await world.heal();
  alice.messenger.updateSettings({ redundancy: 2 });
  alice.messenger.setConversationRelay(conversation, null);
});

afterAll(() => world.stop());

/** Writes while Bob is away and returns, per message, the relays whose stores hold it. */
async function writeAndLocate(sends: ReadonlyArray<{ text: string; relayUrl?: string }>): Promise<Array<{ id: Buffer; relays: number[] }>> {
  if (bob.online) await world.offline(bob);
  const sent = [];
  for (const send of sends) sent.push(await alice.messenger.sendMessage(conversation, send));
  await waitFor(() => alice.messenger.pendingDeposits() === 0, 'every copy to be deposited');
  return sent.map((message) => ({ id: message.id, relays: world.relaysHolding(message.id) }));
}

/** Bob comes back and gets every message once; the relays end empty. */
async function deliver(ids: readonly Buffer[]): Promise<void> {
  await world.online(bob);
  const has = (id: Buffer) => bob.messenger.history(conversation, { limit: 500 }).messages.some((m) => m.id.equals(id));
  await waitFor(() => ids.every(has), 'Bob to get every message');
  await waitFor(async () => (await world.relayHoldings()).every((h) => h.envelopes === 0), 'every relay to be emptied');
  expect(shownTwice(bob)).toEqual([]);
}

describe('the server picker', () => {
  it('stores a message sent through a chosen relay on exactly that relay, plus backups up to the redundancy', async () => {
    const chosen = world.url(2);
    const [twoCopies] = await writeAndLocate([{ text: 'through relay 2, with a backup', relayUrl: chosen }]);
    expect(twoCopies!.relays).toHaveLength(2);
    expect(twoCopies!.relays).toContain(2);
    expect(alice.messenger.message(twoCopies!.id).storedOn.sort()).toEqual(twoCopies!.relays.map((i) => world.url(i)).sort());

    alice.messenger.updateSettings({ redundancy: 1 });
    const [oneCopy] = await writeAndLocate([{ text: 'through relay 2 only', relayUrl: chosen }]);
    expect(oneCopy!.relays).toEqual([2]);
    expect(alice.messenger.message(oneCopy!.id).storedOn).toEqual([chosen]);

    alice.messenger.updateSettings({ redundancy: 3 });
    const [everywhere] = await writeAndLocate([{ text: 'on all three', relayUrl: chosen }]);
    expect(everywhere!.relays).toEqual(BOB_RELAYS);
    await deliver([twoCopies!.id, oneCopy!.id, everywhere!.id]);
  });

  it("uses the conversation's relay until a message chooses another", async () => {
    alice.messenger.updateSettings({ redundancy: 1 });
    expect(alice.messenger.setConversationRelay(conversation, world.url(3)).sendRelayUrl).toBe(world.url(3));
    const located = await writeAndLocate([
      { text: 'conversation relay' },
      { text: 'this one through relay 1', relayUrl: world.url(1) },
      { text: 'conversation relay again' },
    ]);
    expect(located.map((message) => message.relays)).toEqual([[3], [1], [3]]);
    await deliver(located.map((message) => message.id));
  });

  it('spreads automatic choices over every relay the recipient listens on', async () => {
    alice.messenger.updateSettings({ redundancy: 1 });
    // With three relays, one of them missing from 36 uniform choices has probability ~1e-6.
    const single = await writeAndLocate(Array.from({ length: 36 }, (_, i) => ({ text: `automatic ${i}` })));
    const counts = new Map<number, number>();
    for (const { relays } of single) {
      expect(relays).toHaveLength(1);
      counts.set(relays[0]!, (counts.get(relays[0]!) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(BOB_RELAYS);

    alice.messenger.updateSettings({ redundancy: 2 });
    const pairs = await writeAndLocate(Array.from({ length: 12 }, (_, i) => ({ text: `automatic pair ${i}` })));
    for (const { relays } of pairs) expect(relays).toHaveLength(2);
    expect(new Set(pairs.flatMap((message) => message.relays)).size).toBe(3);
    await deliver([...single, ...pairs].map((message) => message.id));
  });

  it('still delivers through a backup when the chosen relay is down; the chosen relay takes its copy when back', async () => {
    alice.messenger.updateSettings({ redundancy: 1 });
    await world.killRelay(2);
    await waitFor(() => alice.messenger.listRelays().find((relay) => relay.url === world.url(2))?.status === 'down', 'Alice to see relay 2 down');
    const sent = await alice.messenger.sendMessage(conversation, { text: 'relay 2 is down', relayUrl: world.url(2) });
    await waitFor(() => alice.messenger.message(sent.id).storedOn.length > 0, 'a backup relay to store it');
    expect(alice.messenger.message(sent.id).storedOn).not.toContain(world.url(2));
    const has = () => bob.messenger.history(conversation, { limit: 500 }).messages.some((m) => m.id.equals(sent.id));
    await waitFor(has, 'Bob to get the message through the backup');

    await world.restartRelay(2);
    await waitFor(() => alice.messenger.message(sent.id).storedOn.includes(world.url(2)), 'the chosen relay to take its copy when back');
    await waitFor(async () => (await world.relayHoldings()).every((h) => h.envelopes === 0), 'every relay to be emptied');
    expect(shownTwice(bob)).toEqual([]);
  });

  it('sends through the recipient’s own relays when the chosen relay is not one they listen on', async () => {
    const [located] = await writeAndLocate([{ text: 'relay 0 is only Alice’s', relayUrl: world.url(0) }]);
    expect(located!.relays).toHaveLength(2);
    expect(located!.relays.every((index) => BOB_RELAYS.includes(index))).toBe(true);
    await deliver([located!.id]);
  });
});
