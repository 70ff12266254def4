// Redundancy over real relay processes: a relay killed mid-conversation loses nothing and
// shows nothing twice; a recipient offline for a while gets everything when back; messages
// written while every relay is down are delivered when any one of them returns.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { World, befriend, bodies, conversationId, shownTwice, waitFor, type Profile } from './harness.js';

const world = new World();
let alice: Profile;
let bob: Profile;
let conversation: Buffer;

beforeAll(async () => {
  await world.start(3);
  alice = await world.profile('Alice', [0, 1, 2]);
  bob = await world.profile('Bob', [0, 1, 2]);
  await befriend(alice, bob);
  conversation = conversationId(alice, bob);
});

afterAll(() => world.stop());

/** Sends with a sent-at time of its own, so the order the user sees is the order written. */
async function write(from: Profile, text: string) {
  await sleep(2);
  return from.messenger.sendMessage(conversation, { text });
}

async function say(from: Profile, to: Profile, text: string): Promise<void> {
  const sent = await write(from, text);
  await waitFor(() => to.messenger.history(conversation, { limit: 500 }).messages.some((m) => m.id.equals(sent.id)), `${to.name} to get "${text}"`);
}

/** Every relay back, every outbox drained, every relay empty: the run leaves nothing behind. */
async function settle(): Promise<void> {
  await waitFor(() => alice.messenger.pendingDeposits() === 0 && bob.messenger.pendingDeposits() === 0, 'every outbox to drain');
  await waitFor(async () => {
    const holdings = await world.relayHoldings();
    return holdings.every((h) => h.envelopes === 0 && h.blobs === 0 && h.blobData === 0) && holdings;
  }, 'every relay to delete what was delivered');
}

function expectNothingTampered(profile: Profile): void {
  expect(profile.warnings.filter((warning) => /rejected|dropping|failed to process|processing/.test(warning))).toEqual([]);
  expect(shownTwice(profile)).toEqual([]);
}

describe('redundant delivery over three relays', () => {
  it('loses nothing and shows nothing twice when a relay is killed mid-conversation', async () => {
    const script = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`);
    for (const [i, text] of script.entries()) {
      if (i === 4) await world.killRelay(1);
      await (i % 2 === 0 ? say(alice, bob, text) : say(bob, alice, text));
    }
    const photo = randomBytes(300 * 1024);
    const withFile = await alice.messenger.sendMessage(conversation, {
      text: 'photo while one relay is dead',
      files: [{ source: photo, name: 'photo.jpg', mime: 'image/jpeg' }],
    });
    const received = await waitFor(() => bob.messenger.history(conversation, { limit: 500 }).messages.find((m) => m.id.equals(withFile.id)), 'the photo');
    expect((await bob.messenger.attachmentData(received.id, received.attachments[0]!.id)).data.equals(photo)).toBe(true);

    await world.restartRelay(1);
    await settle();
    const expected = [...script, 'photo while one relay is dead'];
    expect(bodies(alice, conversation)).toEqual(expected);
    expect(bodies(bob, conversation)).toEqual(expected);
    expectNothingTampered(alice);
    expectNothingTampered(bob);
  });

  it('gives a recipient who was offline everything written meanwhile, even with a relay down', async () => {
    await world.offline(bob);
    const before = bodies(alice, conversation).length;
    const written = ['are you there?', 'I will keep writing', 'a relay just died', 'still writing'];
    await write(alice, written[0]!);
    await write(alice, written[1]!);
    await waitFor(() => alice.messenger.pendingDeposits() === 0, 'the first two to reach the relays');
    await world.killRelay(0);
    await write(alice, written[2]!);
    await write(alice, written[3]!);

    await world.online(bob);
    await waitFor(() => bodies(bob, conversation).length === before + written.length, 'Bob to catch up');
    expect(bodies(bob, conversation).slice(before)).toEqual(written);

    await world.restartRelay(0);
    await settle();
    expect(bodies(bob, conversation).slice(before)).toEqual(written);
    expectNothingTampered(bob);
  });

  it('delivers messages written while every relay was down once any one relay returns', async () => {
    const before = bodies(bob, conversation).length;
    await Promise.all([0, 1, 2].map((index) => world.killRelay(index)));
    await waitFor(() => alice.messenger.listRelays().every((relay) => relay.status === 'down'), 'Alice to see every relay down');
    const written = Array.from({ length: 6 }, (_, i) => `written in the dark ${i + 1}`);
    for (const text of written) {
      const sent = await write(alice, text);
      expect(sent.state).toBe('queued');
    }
    await waitFor(() => alice.warnings.some((warning) => warning.includes('failed')), 'a failed deposit');

    await world.restartRelay(2);
    await waitFor(() => bodies(bob, conversation).length === before + written.length, 'Bob to get every message through the one relay back');
    expect(bodies(bob, conversation).slice(before)).toEqual(written);
    // Bob can be pushed a copy before Alice has read the relay's deposit receipt, so wait for her side too.
    await waitFor(
      () => alice.messenger.history(conversation, { limit: 6 }).messages.every((m) => m.state === 'stored'),
      "Alice to record the returning relay's receipts",
    );

    await world.restartRelay(0);
    await world.restartRelay(1);
    await settle();
    expect(bodies(bob, conversation).slice(before)).toEqual(written);
    expectNothingTampered(alice);
    expectNothingTampered(bob);
  });
});
