// Two accounts converse across three real relays: contact exchange, text both ways, a
// 10 MB attachment, receipts, search; afterwards the relays hold nothing.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World, befriend, waitFor, type Profile } from './harness.js';

const world = new World();
let alice: Profile;
let bob: Profile;

beforeAll(async () => {
  await world.start(3);
  alice = await world.profile('Alice', [0, 1]);
  bob = await world.profile('Bob', [1, 2]);
  await befriend(alice, bob);
});

afterAll(() => world.stop());

describe('a conversation between two accounts over three relays', () => {
  it('delivers text and a 10 MB attachment intact, with receipts, and leaves the relays empty', async () => {
    const conversation = alice.messenger.openDirectConversation(bob.messenger.accountId);
    const file = randomBytes(10 * 1024 * 1024);
    const sent = await alice.messenger.sendMessage(conversation.id, {
      text: 'Here are the glacier photos',
      files: [{ source: file, name: 'photos.tar', mime: 'application/x-tar' }],
    });
    expect(sent.state).toBe('queued');

    const received = await waitFor(
      () => bob.messenger.history(conversation.id, { limit: 10 }).messages.find((m) => m.id.equals(sent.id)),
      'Bob to receive the message',
    );
    expect(received.body).toBe('Here are the glacier photos');
    expect(received.outgoing).toBe(false);
    const attachment = received.attachments[0]!;
    expect(attachment).toMatchObject({ name: 'photos.tar', mime: 'application/x-tar', size: file.length, state: 'ready' });
    const data = await bob.messenger.attachmentData(received.id, attachment.id);
    expect(data.data.equals(file)).toBe(true);

    await waitFor(() => alice.messenger.message(sent.id).storedOn.length === 2, 'two relays to hold copies');
    await waitFor(() => alice.messenger.message(sent.id).deliveredTo.length === 1, 'the delivery receipt');

    bob.messenger.markRead(conversation.id);
    await waitFor(() => alice.messenger.message(sent.id).readBy.length === 1, 'the read receipt');

    const reply = await bob.messenger.sendMessage(conversation.id, { text: 'Stunning, thanks!' });
    await waitFor(() => alice.messenger.history(conversation.id, { limit: 10 }).messages.find((m) => m.id.equals(reply.id)), 'Alice to get the reply');
    expect(alice.messenger.conversationView(conversation.id).unreadCount).toBe(1);
    expect(alice.messenger.search('stunning', 10).map((hit) => hit.message.id)).toEqual([reply.id]);

    await waitFor(() => alice.messenger.pendingDeposits() === 0 && bob.messenger.pendingDeposits() === 0, 'every outbox to drain');
    await waitFor(async () => {
      const holdings = await world.relayHoldings();
      return holdings.every((h) => h.envelopes === 0 && h.blobs === 0 && h.blobData === 0) && holdings;
    }, 'every relay to delete what was delivered');
    expect(alice.warnings.concat(bob.warnings)).toEqual([]);
  });
});
