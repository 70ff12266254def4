// The main flow on a real relay process, on both backends: deposit → push → ack → delete,
// multi-mailbox envelopes, idempotent redeposits, live pushes, blob lifetime.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAegeesError } from '../../../src/common/errors.js';
import type { RelayClient } from '../../../src/core/relay-client/client.js';
import { connectInbox } from '../../support/relay-inbox.js';
import { spawnRelay, type RelayProcess } from '../../support/relay-process.js';
import { waitFor } from '../../support/wait.js';
import {
  BACKENDS, backendOptions, blobIdOf, chunksOf, clientFor, inspectStore, newMailbox, newMsgId, opaque, readAll,
  waitForEmptyStore, release, type StoreInspector } from './harness.js';

describe.each(BACKENDS)('relay flow on %s', (backend) => {
  let relay: RelayProcess;
  let client: RelayClient;
  let store: StoreInspector;

  beforeAll(async () => {
    const options = await backendOptions(backend, 'flow');
    relay = await spawnRelay({ ...options, flags: { 'rate-limit': 0 } });
    client = clientFor(relay);
    store = inspectStore(relay, options);
  });

  afterAll(async () => {
    await release({ client, store, relay });
  });

  it('deposits, pushes, and deletes the envelope row and blob bytes after the ack', async () => {
    const mailbox = newMailbox(relay.identityKey);
    const blob = opaque(300 * 1024);
    const blobId = blobIdOf(blob);
    expect(await client.uploadBlob(blobId, blob.length, chunksOf(blob))).toEqual({ status: 'stored' });
    const msgId = newMsgId();
    const envelope = opaque(2000);
    const deposit = await client.deposit({ msgId, mailboxIds: [mailbox.id], blobIds: [blobId], envelope });
    expect(deposit.status).toBe('stored');
    expect(await store.counts()).toMatchObject({ envelopes: 1, deliveries: 1, blobs: 1, mailboxes: 1 });
    expect((await store.counts()).blobData).toBeGreaterThan(0);

    const inbox = await connectInbox(client, { rootSecret: mailbox.rootSecret, autoAck: false });
    const [pushed] = await inbox.waitForCount(1);
    expect(pushed!.msgId).toEqual(msgId);
    expect(pushed!.envelope).toEqual(envelope);
    expect(pushed!.expiresAt).toBe(deposit.expiresAt);
    expect(await readAll(await client.downloadBlob(blobId))).toEqual(blob);

    inbox.session.ack([msgId]);
    await waitForEmptyStore(store);
    await expect(client.downloadBlob(blobId)).rejects.toSatisfy((error) => isAegeesError(error, 'NOT_FOUND'));
    await inbox.close();
  });

  it('keeps a three-mailbox envelope until the third mailbox acks', async () => {
    const mailboxes = [newMailbox(relay.identityKey), newMailbox(relay.identityKey), newMailbox(relay.identityKey)];
    const blob = opaque(10_000);
    const blobId = blobIdOf(blob);
    await client.uploadBlob(blobId, blob.length, chunksOf(blob));
    const msgId = newMsgId();
    await client.deposit({ msgId, mailboxIds: mailboxes.map((m) => m.id), blobIds: [blobId], envelope: opaque(500) });
    expect(await store.counts()).toMatchObject({ envelopes: 1, deliveries: 3, blobs: 1 });

    for (const [index, mailbox] of mailboxes.entries()) {
      const inbox = await connectInbox(client, { rootSecret: mailbox.rootSecret });
      const [pushed] = await inbox.waitForCount(1);
      expect(pushed!.msgId).toEqual(msgId);
      const remaining = 2 - index;
      if (remaining === 0) await waitForEmptyStore(store);
      else {
        await waitFor(async () => (await store.counts()).deliveries === remaining, `${remaining} deliveries left`);
        expect(await store.counts()).toMatchObject({ envelopes: 1, blobs: 1, deliveries: remaining });
      }
      await inbox.close();
    }
  });

  it('treats a redeposit of the same message id as a no-op, before and after delivery', async () => {
    const mailbox = newMailbox(relay.identityKey);
    const msgId = newMsgId();
    const envelope = opaque(700);
    const first = await client.deposit({ msgId, mailboxIds: [mailbox.id], envelope });
    const again = await client.deposit({ msgId, mailboxIds: [mailbox.id], envelope });
    expect(first.status).toBe('stored');
    expect(again).toEqual({ status: 'duplicate', expiresAt: first.expiresAt });
    await expect(client.deposit({ msgId, mailboxIds: [mailbox.id], envelope: opaque(700) }))
      .rejects.toSatisfy((error) => isAegeesError(error, 'CONFLICT'));
    expect(await store.counts()).toMatchObject({ envelopes: 1, deliveries: 1 });

    const inbox = await connectInbox(client, { rootSecret: mailbox.rootSecret });
    await inbox.waitForCount(1);
    await waitFor(async () => (await store.counts()).envelopes === 0, 'delivery');
    // After delivery the relay remembers the id (until the original TTL): a retried deposit stays a no-op.
    expect((await client.deposit({ msgId, mailboxIds: [mailbox.id], envelope })).status).toBe('duplicate');
    // Pushes follow deposit order, so once a later message arrives, a re-stored copy would have too.
    const later = newMsgId();
    await client.deposit({ msgId: later, mailboxIds: [mailbox.id], envelope: opaque(10) });
    await inbox.waitForCount(2);
    expect(inbox.received.map((e) => e.msgId.toString('hex'))).toEqual([msgId.toString('hex'), later.toString('hex')]);
    await inbox.close();
  });

  it('pushes pending envelopes in deposit order on connect, then new ones live', async () => {
    const mailbox = newMailbox(relay.identityKey);
    const before = Array.from({ length: 150 }, () => newMsgId());
    for (const msgId of before) await client.deposit({ msgId, mailboxIds: [mailbox.id], envelope: opaque(100) });
    const inbox = await connectInbox(client, { rootSecret: mailbox.rootSecret });
    await inbox.waitForCount(before.length);
    const live = Array.from({ length: 20 }, () => newMsgId());
    await Promise.all(live.map((msgId) => client.deposit({ msgId, mailboxIds: [mailbox.id], envelope: opaque(100) })));
    await inbox.waitForCount(before.length + live.length);
    const ids = inbox.received.map((e) => e.msgId.toString('hex'));
    expect(ids.slice(0, before.length)).toEqual(before.map((id) => id.toString('hex')));
    expect(new Set(ids.slice(before.length))).toEqual(new Set(live.map((id) => id.toString('hex'))));
    await waitFor(async () => (await store.counts()).envelopes === 0, 'every envelope delivered and deleted');
    await inbox.close();
  });

  it('keeps a blob referenced by two envelopes until both are delivered', async () => {
    const mailbox = newMailbox(relay.identityKey);
    const blob = opaque(5000);
    const blobId = blobIdOf(blob);
    await client.uploadBlob(blobId, blob.length, chunksOf(blob));
    expect(await client.uploadBlob(blobId, blob.length, chunksOf(blob))).toEqual({ status: 'exists' });
    const first = newMsgId();
    const second = newMsgId();
    await client.deposit({ msgId: first, mailboxIds: [mailbox.id], blobIds: [blobId], envelope: opaque(50) });
    await client.deposit({ msgId: second, mailboxIds: [mailbox.id], blobIds: [blobId], envelope: opaque(50) });
    const inbox = await connectInbox(client, { rootSecret: mailbox.rootSecret, autoAck: false });
    await inbox.waitForCount(2);
    inbox.session.ack([first]);
    await waitFor(async () => (await store.counts()).envelopes === 1, 'the first envelope deleted');
    expect(await readAll(await client.downloadBlob(blobId))).toEqual(blob);
    inbox.session.ack([second]);
    await waitForEmptyStore(store);
    await inbox.close();
  });

  it('refuses a deposit that references a blob it does not hold', async () => {
    const missing = blobIdOf(opaque(10));
    const error = await client
      .deposit({ msgId: newMsgId(), mailboxIds: [newMailbox(relay.identityKey).id], blobIds: [missing], envelope: opaque(10) })
      .catch((e: unknown) => e);
    expect(isAegeesError(error, 'CONFLICT')).toBe(true);
    expect((error as { relayCode?: string }).relayCode).toBe('UNKNOWN_BLOB');
    expect((error as { ids?: string[] }).ids).toEqual([missing.toString('hex')]);
  });
});
