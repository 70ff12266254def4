// A group of 1,000 devices (issue 4: "each message sealed to every member device, first target
// 1,000 devices") taken through the real engine and a real relay process. Alice and Bob are
// real profiles (SQLCipher files, keys in the Secret Service); the other 100 members are
// accounts made here with the real identity code, 998 devices between them, whose secret keys
// the test keeps so it can open what the relay holds for them.
//
// Every member's inbox is the one relay, so both of Alice's envelopes (the group state and
// the chat message) are single deposits addressed to 999 mailboxes: every device but the one
// that sends. The relay runs with its default limits, which are set for this group: the
// protocol's ceiling of 1,000 mailboxes per deposit, and room for the group state (about
// 420 KB, as it carries every member's card). The envelope sizes are checked against the
// limits the relay announces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3-multiple-ciphers';
import { join } from 'node:path';
import { decodeChatBody, decodeGroupUpdateBody } from '../../../src/common/protocol/bodies.js';
import { MessageType } from '../../../src/common/protocol/constants.js';
import { PROTOCOL_MAX } from '../../../src/common/relay-protocol.js';
import { certifyDevice, findDevice, signDeviceList } from '../../../src/core/crypto/device-list.js';
import { openEnvelope, type OpenedMessage } from '../../../src/core/crypto/envelope.js';
import { generateAccount, generateDevice, type AccountIdentity, type DeviceKeys } from '../../../src/core/crypto/identity.js';
import { mailboxIdFor } from '../../../src/core/crypto/mailbox.js';
import { openSecretStore } from '../../../src/core/keychain/open.js';
import { cardFromInviteCode, openCard, signCard, type VerifiedCard } from '../../../src/core/messenger/cards.js';
import { RelayClient } from '../../../src/core/relay-client/index.js';
import { openStore } from '../../../src/core/store/open.js';
import { World, befriend, waitFor, type Profile } from './harness.js';

/** 100 accounts: 98 with 10 devices and 2 with 9, so that with Alice's and Bob's there are 1,000. */
const ACCOUNTS = 100;
const devicesOf = (index: number) => (index < 2 ? 9 : 10);
const TOTAL_DEVICES = 1_000;

interface Member {
  readonly account: AccountIdentity;
  readonly devices: DeviceKeys[];
  /** Each device's mailbox id on the relay, in `devices` order. */
  readonly mailboxIds: Buffer[];
  readonly cardBytes: Uint8Array;
  readonly card: VerifiedCard;
}

const world = new World();
let alice: Profile;
let bob: Profile;
const members: Member[] = [];
let relayDb: Database.Database;
let bobDeviceId: Buffer;
let bobMailbox: Buffer;
let aliceCard: VerifiedCard;

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function makeMember(index: number, relay: { url: string; relayKey: Uint8Array }, now: number): Member {
  const account = generateAccount();
  const devices = Array.from({ length: devicesOf(index) }, () => generateDevice());
  const mailboxIds = devices.map((device) => mailboxIdFor(device.mailboxRootSecret, relay.relayKey));
  const { bytes: deviceList } = signDeviceList(account, {
    version: 1,
    issuedAt: now,
    relays: [relay],
    devices: devices.map((device, d) => ({
      certificate: certifyDevice(account, device, { createdAt: now, label: `device ${d}` }),
      mailboxIds: [mailboxIds[d]!],
    })),
  });
  const cardBytes = signCard(account, `Member ${index}`, deviceList);
  return { account, devices, mailboxIds, cardBytes, card: openCard(cardBytes, account.accountId) };
}

/** The envelopes the relay holds for a mailbox, from its SQLite file: what it would push there. */
function envelopesFor(mailboxId: Uint8Array): Array<{ msgId: Buffer; body: Buffer; size: number }> {
  return relayDb
    .prepare<[Uint8Array], { msgId: Buffer; body: Buffer; size: number }>(
      'SELECT e.msg_id AS msgId, e.body AS body, e.size AS size FROM envelopes e JOIN deliveries d ON d.seq = e.seq WHERE d.mailbox_id = ? ORDER BY e.seq',
    )
    .all(mailboxId);
}

/** The mailboxes the relay still has to deliver the envelope to (Bob's goes once he acks). */
function mailboxesOf(msgId: Uint8Array): Set<string> {
  const rows = relayDb
    .prepare<[Uint8Array], Buffer>('SELECT d.mailbox_id FROM deliveries d JOIN envelopes e ON e.seq = d.seq WHERE e.msg_id = ?')
    .pluck()
    .all(msgId);
  return new Set(rows.map(hex));
}

/** Opens an envelope as one synthetic device would, with Alice's card as the sender's. */
function openAs(device: DeviceKeys, bytes: Uint8Array): OpenedMessage {
  return openEnvelope(bytes, device, (header) =>
    Buffer.from(header.senderAccount).equals(aliceCard.deviceList.accountId)
      ? findDevice(aliceCard.deviceList, header.senderDevice)?.certificate.signingKey
      : undefined,
  );
}

/** First, middle and last device of the first, a middle and the last account (including the 9-device ones). */
function sampleDevices(): Array<{ member: Member; device: DeviceKeys; mailboxId: Buffer; label: string }> {
  const picks: Array<{ member: Member; device: DeviceKeys; mailboxId: Buffer; label: string }> = [];
  for (const m of [0, 1, Math.floor(ACCOUNTS / 2), ACCOUNTS - 1]) {
    const member = members[m]!;
    for (const d of [0, Math.floor(member.devices.length / 2), member.devices.length - 1]) {
      picks.push({ member, device: member.devices[d]!, mailboxId: member.mailboxIds[d]!, label: `account ${m} device ${d}` });
    }
  }
  return picks;
}

/** Fails at once when Alice's engine reports a refused deposit, rather than waiting out the deadline. */
function noDepositFailures(): void {
  const failures = alice.warnings.filter((warning) => warning.startsWith('deposit of'));
  if (failures.length > 0) throw new Error(`Alice's deposits failed: ${failures.join('; ')}`);
}

beforeAll(async () => {
  await world.start(1);
  [alice, bob] = await Promise.all([world.profile('Alice', [0]), world.profile('Bob', [0])]);
  await befriend(alice, bob);
  aliceCard = cardFromInviteCode(alice.messenger.inviteCode());
  const bobCard = cardFromInviteCode(bob.messenger.inviteCode());
  bobDeviceId = bobCard.deviceList.devices[0]!.deviceId;
  bobMailbox = Buffer.from(bobCard.deviceList.devices[0]!.mailboxIds[0]!);

  const relay = { url: world.url(0), relayKey: world.relays[0]!.identityKey };
  const now = Date.now();
  for (let i = 0; i < ACCOUNTS; i++) members.push(makeMember(i, relay, now));

  // The synthetic accounts become Alice's accepted contacts the way her engine stores one
  // (a contact row with the signed card and device list), written while her profile is
  // closed, as an accepted contact request would leave it.
  await world.offline(alice);
  const secrets = await openSecretStore(alice.dir);
  const store = await openStore(alice.dir, secrets);
  try {
    store.transaction(() => {
      for (const member of members) {
        store.contacts.put({
          accountId: member.account.accountId,
          accountPublicKey: member.account.accountId,
          displayName: member.card.displayName,
          state: 'accepted',
          verified: false,
          blocked: false,
          deviceList: member.card.deviceListBytes,
          deviceListVersion: member.card.deviceList.version,
          card: member.cardBytes,
          addedAt: now,
          updatedAt: now,
        });
      }
    });
  } finally {
    store.close();
    secrets.close();
  }
  await world.online(alice);

  relayDb = new Database(join(world.relays[0]!.dataDir, 'relay.db'), { readonly: true, fileMustExist: true });
}, 120_000);

afterAll(async () => {
  relayDb?.close();
  for (const member of members) {
    member.account.dispose();
    for (const device of member.devices) device.dispose();
  }
  await world.stop();
});

describe('a group of 1,000 devices', () => {
  it('seals the group state and a message to every member device, through the engine and one relay', async () => {
    const deviceCount = 2 + members.reduce((sum, member) => sum + member.devices.length, 0);
    expect(deviceCount).toBe(TOTAL_DEVICES);
    // Every device but Alice's sending one: the recipients of each of her group envelopes.
    const expectedDevices = new Set([hex(bobDeviceId), ...members.flatMap((member) => member.devices.map((device) => hex(device.deviceId)))]);
    const syntheticMailboxes = new Set(members.flatMap((member) => member.mailboxIds.map(hex)));
    expect(expectedDevices.size).toBe(TOTAL_DEVICES - 1);
    expect(syntheticMailboxes.size).toBe(TOTAL_DEVICES - 2);

    const client = new RelayClient({ url: world.relays[0]!.url, relayKey: world.relays[0]!.identityKey });
    const { limits } = await client.fetchInfo().finally(() => client.close());
    // A relay's defaults take a deposit to every mailbox of this group.
    expect(limits.maxMailboxesPerEnvelope).toBe(PROTOCOL_MAX.mailboxesPerEnvelope);

    const memberIds = [bob.messenger.accountId, ...members.map((member) => member.account.accountId)];
    const group = await alice.messenger.createGroup('A thousand devices', memberIds);
    expect(group.memberAccountIds).toHaveLength(ACCOUNTS + 2);

    // The group state: Bob's engine accepts it (so it verified all 102 member cards in it) ...
    await waitFor(() => {
      noDepositFailures();
      return bob.messenger.listConversations().find((c) => c.id.equals(group.id));
    }, 'Bob to join the group');
    await waitFor(() => bob.messenger.conversationView(group.id).memberAccountIds.length === ACCOUNTS + 2, 'Bob to see every member');

    const text = 'Hello to all one thousand devices';
    const sent = await alice.messenger.sendMessage(group.id, { text });
    await waitFor(() => {
      noDepositFailures();
      return alice.messenger.pendingDeposits() === 0;
    }, "Alice's outbox to drain");
    expect(alice.warnings).toEqual([]);

    // ... and Bob, a real profile, shows the message.
    await waitFor(
      () => bob.messenger.history(group.id, { limit: 10 }).messages.some((m) => m.body === text),
      'Bob to show the message',
    );

    // The relay holds the chat message for every synthetic device's mailbox: a device left
    // out of the deposit would be missing here (Bob's mailbox may already be acknowledged).
    const chatMailboxes = mailboxesOf(sent.id);
    for (const mailbox of syntheticMailboxes) expect(chatMailboxes.has(mailbox), `mailbox ${mailbox} in the deposit`).toBe(true);
    for (const mailbox of chatMailboxes) expect(syntheticMailboxes.has(mailbox) || mailbox === hex(bobMailbox)).toBe(true);

    // Sampled synthetic devices open what the relay holds for them with their own keys: the
    // group state, then the message. The signed recipient list names all 999 devices.
    const sizes = { groupState: 0, message: 0 };
    for (const { device, mailboxId, label } of sampleDevices()) {
      const held = envelopesFor(mailboxId);
      expect(held, label).toHaveLength(2);
      const [state, message] = held.map((envelope) => ({ ...envelope, opened: openAs(device, envelope.body) }));
      expect(state!.opened.type, label).toBe(MessageType.GroupUpdate);
      expect(Buffer.from(state!.opened.conversationId).equals(group.id)).toBe(true);
      const update = decodeGroupUpdateBody(state!.opened.body);
      expect(update.members.map((m) => hex(m.accountId)).sort()).toEqual([alice.messenger.accountId, ...memberIds].map(hex).sort());
      expect(message!.msgId.equals(sent.id), label).toBe(true);
      expect(message!.opened.type).toBe(MessageType.ChatMessage);
      expect(decodeChatBody(message!.opened.body).text, label).toBe(text);
      for (const opened of [state!.opened, message!.opened]) {
        expect(new Set(opened.recipients.map(hex)), label).toEqual(expectedDevices);
      }
      // The group state went to the same 999 mailboxes (less Bob's, once he acknowledged).
      const stateMailboxes = mailboxesOf(state!.msgId);
      for (const mailbox of syntheticMailboxes) expect(stateMailboxes.has(mailbox)).toBe(true);
      sizes.groupState = state!.size;
      sizes.message = message!.size;
    }

    // The last device of the last account reads its mailbox the way a client does: the relay
    // pushes it both envelopes, and once it acknowledges them they are gone from its mailbox.
    const last = members[ACCOUNTS - 1]!;
    const lastDevice = last.devices[last.devices.length - 1]!;
    const pushed: Array<{ msgId: Buffer; envelope: Buffer }> = [];
    const reader = new RelayClient({ url: world.relays[0]!.url, relayKey: world.relays[0]!.identityKey });
    try {
      const session = await reader.connectMailbox({ rootSecret: lastDevice.mailboxRootSecret, onEnvelope: (envelope) => pushed.push(envelope) });
      expect(session.mailboxId.equals(last.mailboxIds[last.devices.length - 1]!)).toBe(true);
      await waitFor(() => pushed.length >= 2, 'the relay to push both envelopes to the last device');
      expect(pushed.map((envelope) => openAs(lastDevice, envelope.envelope).type)).toEqual([MessageType.GroupUpdate, MessageType.ChatMessage]);
      expect(decodeChatBody(openAs(lastDevice, pushed[1]!.envelope).body).text).toBe(text);
      session.ack(pushed.map((envelope) => envelope.msgId));
      await waitFor(() => envelopesFor(session.mailboxId).length === 0, 'the relay to drop the acknowledged envelopes from that mailbox');
      await session.close();
    } finally {
      reader.close();
    }
    // The other devices' copies are still there: an ack removes one mailbox's delivery only.
    expect(mailboxesOf(sent.id).size).toBeGreaterThanOrEqual(syntheticMailboxes.size - 1);

    // A device of another account, or of no account, gets nothing out of it.
    expect(() => openAs(generateDevice(), envelopesFor(members[0]!.mailboxIds[0]!)[1]!.body)).toThrow(/no key slot/);

    expect(sizes.message).toBeGreaterThan(0);
    expect(sizes.groupState).toBeLessThanOrEqual(limits.maxEnvelopeBytes);
    expect(sizes.message).toBeLessThanOrEqual(limits.maxEnvelopeBytes);
    console.info(`1,000-device group: group state envelope ${sizes.groupState} bytes, chat message envelope ${sizes.message} bytes`);
  }, 180_000);
});
