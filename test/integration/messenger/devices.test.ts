// Multi-device: a second device linked with a one-time code gets the contacts, receives
// what contacts send, sees what the first device sends (sent-message sync); a revoked
// device receives nothing sent after the revocation.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Messenger } from '../../../src/core/messenger/messenger.js';
import { World, befriend, waitFor, type Profile } from './harness.js';

const world = new World();
let alice: Profile;
let bob: Profile;
let laptop: { name: string; messenger: Messenger; dir: string };

beforeAll(async () => {
  await world.start(3);
  alice = await world.profile('Alice', [0, 1]);
  bob = await world.profile('Bob', [1, 2]);
  await befriend(alice, bob);
});

afterAll(async () => {
  await laptop?.messenger.close();
  if (laptop) await rm(laptop.dir, { recursive: true, force: true });
  await world.stop();
});

/** A profile with one relay in its roster and no account: a new device about to be linked. */
async function newDevice(relayIndex: number) {
  const dir = await mkdtemp(join(tmpdir(), 'aegees-laptop-'));
  const messenger = await Messenger.open({ profileDir: dir, healthIntervalMs: 500 });
  const relay = world.relays[relayIndex]!;
  await messenger.addRelay(relay.url, { identityKey: relay.identityKey, inbox: true });
  return { name: 'Alice laptop', messenger, dir };
}

const bodies = (profile: { messenger: Messenger }, conversation: Buffer) =>
  profile.messenger.history(conversation, { limit: 50 }).messages.map((m) => [m.body, m.outgoing] as const);

describe('linked devices', () => {
  it('links a device, syncs sent and received messages to it, and cuts it off when revoked', async () => {
    laptop = await newDevice(2);
    laptop.messenger.start();
    const code = await laptop.messenger.beginDeviceLink('Laptop');
    expect(laptop.messenger.linkingCode()).toBe(code);

    const linked = await alice.messenger.approveDeviceLink(code);
    expect(linked).toMatchObject({ label: 'Laptop', current: false });
    await waitFor(() => laptop.messenger.hasAccount, 'the laptop to finish linking');
    expect(laptop.messenger.accountId.equals(alice.messenger.accountId)).toBe(true);
    expect(laptop.messenger.contacts().map((c) => [c.displayName, c.state])).toEqual([['Bob', 'accepted']]);
    expect(alice.messenger.devices().map((d) => d.label).sort()).toEqual(['Desktop', 'Laptop']);

    const aliceId = alice.messenger.accountId;
    await waitFor(
      () => bob.messenger.contacts().find((c) => Buffer.from(c.accountId).equals(aliceId) && c.deviceListVersion === 2),
      'Bob to learn of the new device',
    );

    const conversation = bob.messenger.openDirectConversation(aliceId).id;
    await bob.messenger.sendMessage(conversation, { text: 'to both your devices' });
    for (const device of [alice, laptop]) {
      await waitFor(() => bodies(device, conversation).some(([body]) => body === 'to both your devices'), `${device.name} to receive`);
    }

    await alice.messenger.sendMessage(conversation, { text: 'sent from the desktop' });
    await waitFor(() => bodies(laptop, conversation).some(([body]) => body === 'sent from the desktop'), 'sent-message sync to the laptop');
    expect(bodies(laptop, conversation).find(([body]) => body === 'sent from the desktop')![1]).toBe(true);
    await waitFor(() => bodies(bob, conversation).some(([body]) => body === 'sent from the desktop'), 'Bob to receive');

    await laptop.messenger.sendMessage(conversation, { text: 'and from the laptop' });
    await waitFor(() => bodies(alice, conversation).some(([body]) => body === 'and from the laptop'), 'the desktop to see the laptop’s message');
    await waitFor(() => bodies(bob, conversation).some(([body]) => body === 'and from the laptop'), 'Bob to receive from the laptop');

    await alice.messenger.revokeDevice(linked.deviceId);
    expect(alice.messenger.devices().map((d) => d.label)).toEqual(['Desktop']);
    await waitFor(
      () => bob.messenger.contacts().find((c) => Buffer.from(c.accountId).equals(aliceId) && c.deviceListVersion === 3),
      'Bob to learn of the revocation',
    );
    await bob.messenger.sendMessage(conversation, { text: 'after the revocation' });
    await waitFor(() => bodies(alice, conversation).some(([body]) => body === 'after the revocation'), 'the desktop to receive');
    await waitFor(() => bob.messenger.pendingDeposits() === 0, 'Bob’s outbox to drain');
    await laptop.messenger.idle();
    expect(bodies(laptop, conversation).map(([body]) => body)).not.toContain('after the revocation');
  });
});
