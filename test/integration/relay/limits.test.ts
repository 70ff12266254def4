// TTL expiry, per-mailbox quotas and per-address rate limits, each on a relay process
// configured with small values, on both backends.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAegeesError } from '../../../src/common/errors.js';
import type { RelayClient } from '../../../src/core/relay-client/client.js';
import { RelayRequestError } from '../../../src/core/relay-client/errors.js';
import { connectInbox } from '../../support/relay-inbox.js';
import { spawnRelay, type RelayProcess } from '../../support/relay-process.js';
import { waitFor } from '../../support/wait.js';
import {
  BACKENDS, backendOptions, blobIdOf, chunksOf, clientFor, inspectStore, metricValue, newMailbox, newMsgId, opaque,
  waitForEmptyStore, release, type StoreInspector } from './harness.js';

/** A GET from a chosen loopback source address, so a test can act as a second client IP. */
function getFrom(relay: RelayProcess, path: string, localAddress: string): Promise<{ status: number; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${relay.url}${path}`, { localAddress }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'] }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(BACKENDS)('relay limits on %s', (backend) => {
  describe('TTL expiry', () => {
    let relay: RelayProcess;
    let client: RelayClient;
    let store: StoreInspector;

    beforeAll(async () => {
      const options = await backendOptions(backend, 'ttl');
      relay = await spawnRelay({
        ...options,
        flags: { 'rate-limit': 0, 'envelope-ttl': 2, 'blob-ttl': 2, 'sweep-interval': 0.2 },
      });
      client = clientFor(relay);
      store = inspectStore(relay, options);
    });

    afterAll(async () => {
      await release({ client, store, relay });
    });

    it('deletes undelivered envelopes, their blobs and unreferenced blobs at their TTL', async () => {
      const mailbox = newMailbox(relay.identityKey);
      const referenced = opaque(3000);
      const unreferenced = opaque(4000);
      await client.uploadBlob(blobIdOf(referenced), referenced.length, chunksOf(referenced));
      await client.uploadBlob(blobIdOf(unreferenced), unreferenced.length, chunksOf(unreferenced));
      const expiring = newMsgId();
      await client.deposit({ msgId: expiring, mailboxIds: [mailbox.id], blobIds: [blobIdOf(referenced)], envelope: opaque(100) });
      expect(await store.counts()).toMatchObject({ envelopes: 1, blobs: 2 });

      await waitForEmptyStore(store);
      expect(await metricValue(relay, 'aegees_relay_expiries_total', '{kind="envelope"}')).toBe(1);
      expect(await metricValue(relay, 'aegees_relay_expiries_total', '{kind="blob"}')).toBe(2);

      // The mailbox gets only what was deposited after the expiry.
      const fresh = newMsgId();
      await client.deposit({ msgId: fresh, mailboxIds: [mailbox.id], envelope: opaque(10) });
      const inbox = await connectInbox(client, { rootSecret: mailbox.rootSecret });
      await inbox.waitForCount(1);
      expect(inbox.received.map((e) => e.msgId)).toEqual([fresh]);
      await inbox.close();
    });
  });

  describe('quotas', () => {
    let relay: RelayProcess;
    let client: RelayClient;
    let store: StoreInspector;

    beforeAll(async () => {
      const options = await backendOptions(backend, 'quota');
      relay = await spawnRelay({ ...options, flags: { 'rate-limit': 0, 'quota-envelopes': 3, 'quota-bytes': 10_000 } });
      client = clientFor(relay);
      store = inspectStore(relay, options);
    });

    afterAll(async () => {
      await release({ client, store, relay });
    });

    it('refuses a deposit with 507 MAILBOX_FULL naming the full mailboxes, and accepts again after an ack', async () => {
      const full = newMailbox(relay.identityKey);
      const other = newMailbox(relay.identityKey);
      const ids = [newMsgId(), newMsgId(), newMsgId()];
      for (const msgId of ids) await client.deposit({ msgId, mailboxIds: [full.id], envelope: opaque(100) });

      const error = await client.deposit({ msgId: newMsgId(), mailboxIds: [full.id, other.id], envelope: opaque(100) })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RelayRequestError);
      expect(error).toMatchObject({ code: 'QUOTA_EXCEEDED', relayCode: 'MAILBOX_FULL', ids: [full.id.toString('hex')] });
      // All or nothing: the other recipient got nothing either.
      expect(await store.counts()).toMatchObject({ envelopes: 3, deliveries: 3 });
      await client.deposit({ msgId: newMsgId(), mailboxIds: [other.id], envelope: opaque(100) });

      const inbox = await connectInbox(client, { rootSecret: full.rootSecret, autoAck: false });
      await inbox.waitForCount(3);
      inbox.session.ack([ids[0]!]);
      await waitFor(async () => (await store.counts()).envelopes === 3, 'the ack to free a slot');
      expect((await client.deposit({ msgId: newMsgId(), mailboxIds: [full.id], envelope: opaque(100) })).status).toBe('stored');
      inbox.session.ack(ids.slice(1));
      await inbox.close();
    });

    it('counts bytes, including referenced blobs, against the quota', async () => {
      const mailbox = newMailbox(relay.identityKey);
      const blob = opaque(6000);
      await client.uploadBlob(blobIdOf(blob), blob.length, chunksOf(blob));
      await client.deposit({ msgId: newMsgId(), mailboxIds: [mailbox.id], blobIds: [blobIdOf(blob)], envelope: opaque(1000) });
      await expect(client.deposit({ msgId: newMsgId(), mailboxIds: [mailbox.id], envelope: opaque(3500) }))
        .rejects.toMatchObject({ code: 'QUOTA_EXCEEDED', ids: [mailbox.id.toString('hex')] });
      expect((await client.deposit({ msgId: newMsgId(), mailboxIds: [mailbox.id], envelope: opaque(2000) })).status).toBe('stored');
    });
  });

  describe('rate limits', () => {
    let relay: RelayProcess;
    let client: RelayClient;

    beforeAll(async () => {
      const options = await backendOptions(backend, 'rate');
      // Slow refill, so the bucket stays empty for the whole test. Five tokens: the info
      // request, the deposit socket's upgrade and three deposit frames.
      relay = await spawnRelay({ ...options, flags: { 'rate-limit': 0.05, 'rate-burst': 5 } });
      client = clientFor(relay);
    });

    afterAll(async () => {
      client?.close();
      await relay?.stop();
    });

    it('answers 429 with Retry-After once an address used its burst, per address', async () => {
      await client.fetchInfo();
      for (let i = 0; i < 3; i += 1) await client.deposit({ msgId: newMsgId(), mailboxIds: [newMailbox(relay.identityKey).id], envelope: opaque(10) });
      const error = await client.deposit({ msgId: newMsgId(), mailboxIds: [newMailbox(relay.identityKey).id], envelope: opaque(10) })
        .catch((e: unknown) => e);
      expect(isAegeesError(error, 'RATE_LIMITED')).toBe(true);
      expect((error as RelayRequestError).relayCode).toBe('RATE_LIMITED');
      expect((error as RelayRequestError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
      await expect(client.connectMailbox({ rootSecret: newMailbox(relay.identityKey).rootSecret, onEnvelope: () => undefined }))
        .rejects.toThrow(/429/);

      const limited = await getFrom(relay, '/v1/info', '127.0.0.1');
      expect(limited.status).toBe(429);
      expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
      // Another address has its own bucket.
      expect((await getFrom(relay, '/v1/info', '127.0.0.2')).status).toBe(200);
      // Health checks are never rate limited.
      expect((await getFrom(relay, '/healthz', '127.0.0.1')).status).toBe(200);
    });
  });
});
