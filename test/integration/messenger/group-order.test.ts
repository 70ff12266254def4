// Relays keep no order between envelopes from different senders: a member's first message
// can reach another member before the group update that added them. It must wait for that
// update, not be dropped as coming from a stranger.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World, befriend, bodies, shownTwice, waitFor, type Profile } from './harness.js';

const world = new World();
const HOSTILE = 0;
let alice: Profile;
let bob: Profile;
let carol: Profile;
let dave: Profile;

beforeAll(async () => {
  await world.start(2, { hostile: [HOSTILE] });
  [alice, bob, carol, dave] = await Promise.all([
    world.profile('Alice', [1]),
    world.profile('Bob', [HOSTILE]),
    world.profile('Carol', [1]),
    world.profile('Dave', [1]),
  ]);
  await befriend(alice, bob);
  await befriend(alice, carol);
  await befriend(alice, dave);
  await befriend(bob, dave);
});

/**
 * While Bob is away, Alice adds `member` to the group and `member` writes; Bob's relay then
 * pushes that message before the update. Returns the message.
 */
async function memberWritesBeforeBobLearnsOfThem(group: Buffer, member: Profile, text: string) {
  await world.offline(bob);
  await alice.messenger.addGroupMember(group, member.messenger.accountId);
  await waitFor(() => member.messenger.listConversations().find((c) => c.id.equals(group)), `${member.name} to join the group`);
  const sent = await member.messenger.sendMessage(group, { text });
  await waitFor(() => alice.messenger.pendingDeposits() === 0 && member.messenger.pendingDeposits() === 0, 'the update and the message to be deposited');
  expect((await world.relayHoldings())[HOSTILE]!.envelopes).toBe(2);

  world.proxy(HOSTILE).pushMode = 'reorder';
  await world.online(bob);
  await waitFor(() => world.proxy(HOSTILE).held === 2, 'the relay to hold the update and the message back');
  world.proxy(HOSTILE).release(sent.id.toString('hex'));
  world.proxy(HOSTILE).pushMode = 'pass';
  return sent;
}

afterAll(() => world.stop());

describe('group order', () => {
  it('keeps a new member’s first message that arrives before the update adding them', async () => {
    const group = await alice.messenger.createGroup('Night shift', [bob.messenger.accountId]);
    await waitFor(() => bob.messenger.listConversations().find((c) => c.id.equals(group.id)), 'Bob to join the group');

    // Carol is not Bob's contact and shares no relay with him: she reaches his inbox relay by
    // the key in his card, and Bob cannot verify her until the update brings her card.
    await memberWritesBeforeBobLearnsOfThem(group.id, carol, 'Carol here, just added');
    await waitFor(() => bodies(bob, group.id).includes('Carol here, just added'), 'Bob to get Carol’s first message');
    expect(bob.messenger.conversationView(group.id).memberAccountIds).toHaveLength(3);

    // Dave is Bob's contact, so his message verifies at once; it must still wait for the update.
    await memberWritesBeforeBobLearnsOfThem(group.id, dave, 'Dave here, just added');
    await waitFor(() => bodies(bob, group.id).includes('Dave here, just added'), 'Bob to get Dave’s first message');
    expect(bob.messenger.conversationView(group.id).memberAccountIds).toHaveLength(4);
    expect(shownTwice(bob)).toEqual([]);
  });
});
