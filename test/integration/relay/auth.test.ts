// Mailbox authentication against real relay processes: only the holder of the mailbox key
// receives and acks; responses are single-use, bound to the relay and to the connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE_CODES } from '../../../src/common/relay-protocol.js';
import { deriveMailboxKeyPair, signMailboxAuth, verifyRelayChallenge } from '../../../src/core/crypto/mailbox.js';
import { signingKeyPair } from '../../../src/core/crypto/sodium.js';
import type { RelayClient } from '../../../src/core/relay-client/client.js';
import { connectInbox } from '../../support/relay-inbox.js';
import { spawnRelay, type RelayProcess } from '../../support/relay-process.js';
import { waitFor } from '../../support/wait.js';
import {
  BACKENDS, backendOptions, clientFor, inspectStore, metricValue, newMailbox, newMsgId, opaque, type StoreInspector,
} from './harness.js';
import { rawMailbox } from './raw-mailbox.js';

function authFrame(context: Parameters<typeof signMailboxAuth>[0], keyPair: ReturnType<typeof signingKeyPair>) {
  return {
    type: 'auth',
    mailboxKey: keyPair.publicKey.toString('hex'),
    signature: signMailboxAuth(context, keyPair).toString('hex'),
  };
}

describe.each(BACKENDS)('mailbox authentication on %s', (backend) => {
  let relay: RelayProcess;
  let other: RelayProcess;
  let client: RelayClient;
  let store: StoreInspector;

  beforeAll(async () => {
    const options = await backendOptions(backend, 'auth');
    [relay, other] = await Promise.all([
      spawnRelay({ ...options, flags: { 'rate-limit': 0, 'challenge-ttl': 4 } }),
      spawnRelay({ flags: { 'rate-limit': 0 } }),
    ]);
    client = clientFor(relay);
    store = inspectStore(relay, options);
  });

  afterAll(async () => {
    client?.close();
    await store?.close();
    await Promise.all([relay?.stop(), other?.stop()]);
  });

  it('signs its challenge with its identity key over the client nonce', async () => {
    const raw = await rawMailbox(relay);
    expect(raw.challenge.relayKey).toBe(relay.identityKey.toString('hex'));
    expect(verifyRelayChallenge(raw.context, Buffer.from(raw.challenge.signature, 'hex'))).toBe(true);
    expect(verifyRelayChallenge({ ...raw.context, relayKey: other.identityKey }, Buffer.from(raw.challenge.signature, 'hex')))
      .toBe(false);
    raw.ws.close();
  });

  it('gives a client that cannot sign for a mailbox nothing, and ignores its acks', async () => {
    const victim = newMailbox(relay.identityKey);
    const msgId = newMsgId();
    await client.deposit({ msgId, mailboxIds: [victim.id], envelope: opaque(64) });

    // Knows the victim's public key (even that), but signs with another key.
    const victimKeys = deriveMailboxKeyPair(victim.rootSecret, relay.identityKey);
    const forger = await rawMailbox(relay);
    const forged = authFrame(forger.context, signingKeyPair());
    forger.send({ ...forged, mailboxKey: victimKeys.publicKey.toString('hex') });
    expect(await forger.waitForFrame('error')).toMatchObject({ code: 'AUTH_FAILED' });
    expect(await forger.closed).toMatchObject({ code: CLOSE_CODES.authFailed });
    expect(forger.frames.map((frame) => frame.type)).toEqual(['error']);

    // A legitimate other mailbox cannot ack the victim's envelope.
    const attacker = await connectInbox(client);
    attacker.session.ack([msgId]);
    const own = newMsgId();
    await client.deposit({ msgId: own, mailboxIds: [attacker.session.mailboxId], envelope: opaque(8) });
    await attacker.waitForCount(1);
    await waitFor(async () => (await store.counts()).envelopes === 1, 'the attacker’s own envelope acked');
    expect(attacker.received.map((e) => e.msgId)).toEqual([own]);
    expect(await store.counts()).toMatchObject({ envelopes: 1, deliveries: 1 });
    await attacker.close();

    const inbox = await connectInbox(client, { rootSecret: victim.rootSecret });
    expect((await inbox.waitForCount(1))[0]!.msgId).toEqual(msgId);
    await inbox.close();
    expect(await metricValue(relay, 'aegees_relay_rejections_total', '{reason="auth_failed"}')).toBeGreaterThanOrEqual(1);
  });

  it('rejects a replayed auth response on a new connection and a second auth on the same one', async () => {
    const keyPair = deriveMailboxKeyPair(newMailbox(relay.identityKey).rootSecret, relay.identityKey);
    const first = await rawMailbox(relay);
    const frame = authFrame(first.context, keyPair);
    first.send(frame);
    await first.waitForFrame('ready');
    first.send(frame);
    expect(await first.closed).toMatchObject({ code: CLOSE_CODES.malformed, reason: 'already authenticated' });

    const replay = await rawMailbox(relay);
    replay.send(frame);
    expect(await replay.waitForFrame('error')).toMatchObject({ code: 'AUTH_FAILED' });
    expect(await replay.closed).toMatchObject({ code: CLOSE_CODES.authFailed });
  });

  it('rejects a response made for another relay', async () => {
    const root = newMailbox(relay.identityKey).rootSecret;
    // Signed for the other relay's key, over this relay's fresh nonce.
    const raw = await rawMailbox(relay);
    const otherKeys = deriveMailboxKeyPair(root, other.identityKey);
    raw.send(authFrame({ ...raw.context, relayKey: other.identityKey }, otherKeys));
    expect(await raw.waitForFrame('error')).toMatchObject({ code: 'AUTH_FAILED' });

    // A response that is valid on the other relay, replayed here.
    const onOther = await rawMailbox(other);
    const valid = authFrame(onOther.context, otherKeys);
    const here = await rawMailbox(relay);
    here.send(valid);
    expect(await here.waitForFrame('error')).toMatchObject({ code: 'AUTH_FAILED' });
    onOther.send(valid);
    expect(await onOther.waitForFrame('ready')).toMatchObject({ type: 'ready' });
    onOther.ws.close();
  });

  it('closes a connection that does not authenticate within the challenge TTL', async () => {
    const raw = await rawMailbox(relay);
    expect(await raw.waitForFrame('error')).toMatchObject({ code: 'AUTH_TIMEOUT' });
    expect(await raw.closed).toMatchObject({ code: CLOSE_CODES.authTimeout });
  });

  it('replaces an older connection of the same mailbox', async () => {
    const mailbox = newMailbox(relay.identityKey);
    const older = await connectInbox(client, { rootSecret: mailbox.rootSecret });
    const newer = await connectInbox(client, { rootSecret: mailbox.rootSecret });
    expect(await older.closed).toMatchObject({ code: CLOSE_CODES.replaced });
    const msgId = newMsgId();
    await client.deposit({ msgId, mailboxIds: [mailbox.id], envelope: opaque(8) });
    expect((await newer.waitForCount(1))[0]!.msgId).toEqual(msgId);
    await newer.close();
  });
});
