// Groups: state travels signed by a member, each message is sealed to every member device,
// members who are not each other's contacts still talk, and a removed member is cut off.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outgoingState } from '../../../src/core/messenger/api.js';
import { World, befriend, waitFor, type Profile } from './harness.js';

const world = new World();
let alice: Profile;
let bob: Profile;
let carol: Profile;

beforeAll(async () => {
  await world.start(2);
  [alice, bob, carol] = await Promise.all([world.profile('Alice', [0]), world.profile('Bob', [1]), world.profile('Carol', [0, 1])]);
  await befriend(alice, bob);
  await befriend(alice, carol);
});

afterAll(() => world.stop());

const texts = (profile: Profile, id: Buffer) => profile.messenger.history(id, { limit: 50 }).messages.map((m) => m.body);

describe('groups', () => {
  it('lets members who are not contacts of each other converse, and cuts off a removed member', async () => {
    const group = await alice.messenger.createGroup('Hiking club', [bob.messenger.accountId, carol.messenger.accountId]);
    expect(group.memberAccountIds).toHaveLength(3);
    for (const member of [bob, carol]) {
      await waitFor(() => member.messenger.listConversations().find((c) => c.id.equals(group.id)), `${member.name} to join the group`);
    }
    expect(bob.messenger.conversationView(group.id)).toMatchObject({ kind: 'group', title: 'Hiking club' });

    await bob.messenger.sendMessage(group.id, { text: 'Bob here, who is Carol?' });
    await waitFor(() => texts(carol, group.id).includes('Bob here, who is Carol?'), 'Carol to get Bob’s message');
    await waitFor(() => texts(alice, group.id).includes('Bob here, who is Carol?'), 'Alice to get Bob’s message');
    await carol.messenger.sendMessage(group.id, { text: 'Carol, from the ridge walk' });
    await waitFor(() => texts(bob, group.id).includes('Carol, from the ridge walk'), 'Bob to get Carol’s message');

    await alice.messenger.removeGroupMember(group.id, carol.messenger.accountId);
    await waitFor(() => bob.messenger.conversationView(group.id).memberAccountIds.length === 2, 'Bob to see Carol removed');
    await waitFor(() => carol.messenger.conversationView(group.id).memberAccountIds.length === 2, 'Carol to learn she was removed');
    await expect(carol.messenger.sendMessage(group.id, { text: 'still here?' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    await bob.messenger.sendMessage(group.id, { text: 'Just us now' });
    await waitFor(() => texts(alice, group.id).includes('Just us now'), 'Alice to get the message after the removal');
    await waitFor(() => bob.messenger.pendingDeposits() === 0, 'Bob’s outbox to drain');
    expect(texts(carol, group.id)).not.toContain('Just us now');
  });

  it('keeps an earlier message read by everyone it was sent to after a member joins', async () => {
    const group = await alice.messenger.createGroup('Book club', [bob.messenger.accountId]);
    await waitFor(() => bob.messenger.listConversations().find((c) => c.id.equals(group.id)), 'Bob to join the group');
    const sent = await alice.messenger.sendMessage(group.id, { text: 'First chapter by Friday' });
    await waitFor(() => texts(bob, group.id).includes('First chapter by Friday'), 'Bob to get the message');
    bob.messenger.markRead(group.id);
    await waitFor(() => alice.messenger.message(sent.id).readBy.length === 1, 'Alice to get Bob’s read receipt');
    expect(outgoingState(alice.messenger.message(sent.id))).toBe('read');

    await alice.messenger.addGroupMember(group.id, carol.messenger.accountId);
    expect(alice.messenger.conversationView(group.id).memberAccountIds).toHaveLength(3);
    // Sealed to Bob alone, read by Bob: still read, though Carol never had it.
    const after = alice.messenger.message(sent.id);
    expect(after.recipientAccounts).toBe(1);
    expect(outgoingState(after)).toBe('read');
  });
});
