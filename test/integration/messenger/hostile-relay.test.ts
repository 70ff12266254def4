// A hostile relay: a real relay process behind a proxy that presents the relay's own
// identity (its signed answers pass through), so key pinning lets it in, and then tampers
// with, truncates, replays, reorders, duplicates or withholds what it pushes, rewrites the
// recipients of deposits, or corrupts attachment downloads. Bob listens on the hostile relay
// (0) and an honest one (1); every message Alice sends is stored on both. What Bob sees must
// be each genuine message exactly once, never a tampered one.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { PushMode } from '../../support/hostile-proxy.js';
import { World, befriend, bodies, conversationId, shownTwice, waitFor, type Profile } from './harness.js';

const world = new World();
let alice: Profile;
let bob: Profile;
let conversation: Buffer;
const HOSTILE = 0;
const HONEST = 1;

beforeAll(async () => {
  await world.start(3, { hostile: [HOSTILE] });
  alice = await world.profile('Alice', [1, 2]);
  bob = await world.profile('Bob', [HOSTILE, HONEST]);
  await befriend(alice, bob);
  conversation = conversationId(alice, bob);
});

beforeEach(() => {
  alice.warnings.splice(0);
  bob.warnings.splice(0);
});

afterEach(async () => {
  const proxy = world.proxy(HOSTILE);
  proxy.pushMode = 'pass';
  proxy.addRecipient = false;
  proxy.tamperBlobs = false;
  await world.heal();
});

afterAll(() => world.stop());

async function write(text: string, files?: Array<{ source: Uint8Array; name: string; mime: string }>) {
  await sleep(2);
  return alice.messenger.sendMessage(conversation, { text, ...(files ? { files } : {}) });
}

/** Alice writes while Bob is away; both relays take a copy; then the honest relay goes down. */
async function writeWhileBobAway(texts: readonly string[]): Promise<Buffer[]> {
  await world.offline(bob);
  const ids: Buffer[] = [];
  for (const text of texts) ids.push((await write(text)).id);
  await waitFor(() => alice.messenger.pendingDeposits() === 0, 'both copies of every message to be deposited');
  for (const id of ids) expect(world.relaysHolding(id)).toEqual([HOSTILE, HONEST]);
  await world.killRelay(HONEST);
  return ids;
}

/** The honest relay returns: its genuine copies reach Bob, and every relay ends up empty. */
async function honestRelayBack(): Promise<void> {
  await world.restartRelay(HONEST);
  await waitFor(async () => {
    const holdings = await world.relayHoldings();
    return holdings.every((h) => h.envelopes === 0 && h.blobs === 0) && holdings;
  }, 'every relay to delete what was delivered');
}

const has = (profile: Profile, id: Buffer) => profile.messenger.history(conversation, { limit: 500 }).messages.some((m) => m.id.equals(id));
const warned = (profile: Profile, what: string, id: Uint8Array) =>
  profile.warnings.some((w) => w.includes(what) && w.includes(Buffer.from(id).toString('hex')));

describe('a hostile relay', () => {
  it.each<PushMode>(['flip', 'truncate', 'replay-as-new'])(
    'never shows a copy it altered (%s), and shows the genuine copy from the honest relay',
    async (mode) => {
      const texts = [`${mode}: first`, `${mode}: second`];
      const ids = await writeWhileBobAway(texts);
      world.proxy(HOSTILE).pushMode = mode;
      await world.online(bob);
      for (const id of ids) await waitFor(() => warned(bob, 'rejected envelope', id), `Bob to reject the altered copy of ${id.toString('hex')}`);
      for (const id of ids) expect(world.proxy(HOSTILE).meddled.has(id.toString('hex'))).toBe(true);
      expect(ids.some((id) => has(bob, id))).toBe(false);

      await honestRelayBack();
      await waitFor(() => ids.every((id) => has(bob, id)), 'Bob to get the genuine copies');
      expect(bodies(bob, conversation).slice(-2)).toEqual(texts);
      expect(shownTwice(bob)).toEqual([]);
    },
  );

  it.each<PushMode>(['duplicate', 'replay', 'reorder'])('changes nothing Bob sees when it %ss envelopes', async (mode) => {
    const texts = [1, 2, 3].map((n) => `${mode}: message ${n}`);
    const before = bodies(bob, conversation).length;
    const ids = await writeWhileBobAway(texts);
    world.proxy(HOSTILE).pushMode = mode;
    await world.online(bob);
    if (mode === 'reorder') {
      await waitFor(() => world.proxy(HOSTILE).held === texts.length, 'the relay to hold every envelope back');
      world.proxy(HOSTILE).release();
    }
    await waitFor(() => ids.every((id) => has(bob, id)), 'Bob to get every message from the hostile relay alone');
    await bob.messenger.idle();
    expect(bodies(bob, conversation).slice(before)).toEqual(texts);
    expect(shownTwice(bob)).toEqual([]);
    expect(bob.warnings.filter((w) => /rejected|processing/.test(w))).toEqual([]);
    world.proxy(HOSTILE).pushMode = 'pass';
    await honestRelayBack();
    expect(bodies(bob, conversation).slice(before)).toEqual(texts);
    expect(shownTwice(bob)).toEqual([]);
  });

  it('loses nothing when it delivers a new contact’s first message before their accept', async () => {
    const carol = await world.profile('Carol', [HOSTILE, HONEST]);
    await carol.messenger.addContact(alice.messenger.inviteCode());
    const carolId = carol.messenger.accountId;
    await waitFor(() => alice.messenger.contacts().find((c) => Buffer.from(c.accountId).equals(carolId)), 'Alice to get Carol’s request');
    await world.offline(carol);
    await alice.messenger.acceptContact(carolId);
    const withCarol = conversationId(alice, carol);
    const hello = await alice.messenger.sendMessage(withCarol, { text: 'Welcome, Carol!' });
    await waitFor(() => alice.messenger.pendingDeposits() === 0, 'the accept and the message to reach Carol’s relays');
    await world.killRelay(HONEST);
    world.proxy(HOSTILE).pushMode = 'reorder';
    await world.online(carol);
    await waitFor(() => world.proxy(HOSTILE).held === 2, 'the relay to hold the accept and the message back');
    world.proxy(HOSTILE).release();
    await waitFor(() => carol.messenger.history(withCarol, { limit: 10 }).messages.some((m) => m.id.equals(hello.id)), 'Carol to see Alice’s first message');
    expect(carol.messenger.contact(alice.messenger.accountId).state).toBe('accepted');
    expect(shownTwice(carol)).toEqual([]);
  });

  it('cannot hide a message it withholds: the honest relay delivers it, and its late copy is not shown again', async () => {
    world.proxy(HOSTILE).pushMode = 'withhold';
    const sent = await write('withheld by the hostile relay');
    await waitFor(() => has(bob, sent.id), 'Bob to get the message from the honest relay');
    await waitFor(() => world.proxy(HOSTILE).meddled.has(sent.id.toString('hex')), 'the hostile relay to withhold its copy');
    // A new connection makes the relay push what it still holds, this time unhindered.
    world.proxy(HOSTILE).pushMode = 'pass';
    await world.offline(bob);
    await world.online(bob);
    await waitFor(async () => (await world.relayHoldings())[HOSTILE]!.envelopes === 0, 'the withheld copy to be pushed and acknowledged');
    expect(shownTwice(bob)).toEqual([]);
  });

  it('cannot pass off a corrupted attachment: Bob fetches the genuine blob from the honest relay', async () => {
    const photo = randomBytes(200 * 1024);
    await world.offline(bob);
    const sent = await write('the photo', [{ source: photo, name: 'photo.jpg', mime: 'image/jpeg' }]);
    await waitFor(() => alice.messenger.pendingDeposits() === 0, 'both copies to be deposited');
    await world.killRelay(HONEST);
    world.proxy(HOSTILE).tamperBlobs = true;
    await world.online(bob);
    await waitFor(() => warned(bob, 'attachment', sent.attachments[0]!.blobId), 'Bob to refuse the corrupted blob');
    expect(has(bob, sent.id)).toBe(false);

    await world.restartRelay(HONEST);
    const received = await waitFor(
      () => bob.messenger.history(conversation, { limit: 500 }).messages.find((m) => m.id.equals(sent.id)),
      'Bob to get the message with the genuine attachment',
    );
    expect((await bob.messenger.attachmentData(received.id, received.attachments[0]!.id)).data.equals(photo)).toBe(true);
    await waitFor(async () => {
      const holdings = await world.relayHoldings();
      return holdings.every((h) => h.envelopes === 0) && holdings;
    }, 'both copies to be acknowledged');
    expect(shownTwice(bob)).toEqual([]);
  });

  // Last: the relay now holds the forged deposit until its TTL (the stranger never acks it),
  // and refuses Alice's honest redeposit of that message id as a conflict until then.
  it('is caught by its receipt when it adds a recipient to a deposit, and the message still arrives once', async () => {
    world.proxy(HOSTILE).addRecipient = true;
    const sent = await write('do not forward me');
    await waitFor(() => warned(alice, 'failed', sent.id), 'Alice to notice the forged deposit');
    expect(alice.warnings.find((w) => w.includes(sent.id.toString('hex')))).toMatch(/without a valid receipt/);
    await waitFor(() => has(bob, sent.id), 'Bob to get the message');
    await waitFor(() => alice.messenger.message(sent.id).storedOn.length > 0, 'the honest relay to store it');
    expect(alice.messenger.message(sent.id).storedOn).toEqual([world.url(HONEST)]);
    expect(shownTwice(bob)).toEqual([]);
  });
});
