// A relay short of disk space (real relay processes, a real filesystem): below
// --min-free-bytes the SQLite backend refuses new deposits and uploads with 507
// STORAGE_FULL, stores nothing of them, and still delivers, acknowledges and deletes what it
// holds, which is how space comes back. With PostgreSQL the option does not apply.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayClient } from '../../../src/core/relay-client/client.js';
import { connectInbox } from '../../support/relay-inbox.js';
import { spawnRelay, type RelayProcess } from '../../support/relay-process.js';
import { waitFor } from '../../support/wait.js';
import {
  backendOptions, blobIdOf, chunksOf, clientFor, inspectStore, metricValue, newMailbox, newMsgId, opaque, release,
  waitForEmptyStore, type StoreInspector,
} from './harness.js';

/** More free space than any disk has: the relay counts itself full at once. */
const UNREACHABLE_RESERVE = 2 ** 52;
const storageFull = { code: 'RELAY_UNAVAILABLE', relayCode: 'STORAGE_FULL', retryAfterSeconds: 60 };

describe('a relay whose disk is nearly full (SQLite)', () => {
  let relay: RelayProcess;
  let client: RelayClient;
  let store: StoreInspector;
  let mailbox: { rootSecret: Buffer; id: Buffer };
  const held = { msgId: newMsgId(), envelope: opaque(700), blob: opaque(5_000) };

  beforeAll(async () => {
    // Filled while there was room, then restarted with a reserve the disk cannot meet.
    const roomy = await spawnRelay({ flags: { 'rate-limit': 0 } });
    const roomyClient = clientFor(roomy);
    // The restarted relay keeps the directory's identity key, so the mailbox id stays valid.
    mailbox = newMailbox(roomy.identityKey);
    await roomyClient.uploadBlob(blobIdOf(held.blob), held.blob.length, chunksOf(held.blob));
    await roomyClient.deposit({ msgId: held.msgId, mailboxIds: [mailbox.id], blobIds: [blobIdOf(held.blob)], envelope: held.envelope });
    roomyClient.close();
    await roomy.stop();
    relay = await spawnRelay({ dataDir: roomy.dataDir, flags: { 'rate-limit': 0, 'min-free-bytes': UNREACHABLE_RESERVE } });
    client = clientFor(relay);
    store = inspectStore(relay, {});
  });

  afterAll(() => release({ client, store, relay }));

  it('refuses new deposits and uploads with STORAGE_FULL and Retry-After, storing nothing of them', async () => {
    const before = await store.counts();
    await expect(client.deposit({ msgId: newMsgId(), mailboxIds: [mailbox.id], envelope: opaque(100) }))
      .rejects.toMatchObject(storageFull);
    const overHttp = await fetch(`${relay.url}/v1/envelopes`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ msgId: newMsgId().toString('hex'), mailboxes: [mailbox.id.toString('hex')], blobs: [], envelope: 'AAAA' }),
    });
    expect(overHttp.status).toBe(507);
    expect(overHttp.headers.get('retry-after')).toBe('60');
    expect(await overHttp.json()).toMatchObject({ error: { code: 'STORAGE_FULL' } });
    const blob = opaque(10_000);
    await expect(client.uploadBlob(blobIdOf(blob), blob.length, chunksOf(blob))).rejects.toMatchObject({ relayCode: 'STORAGE_FULL' });
    // A blob it already holds takes no room: still answered.
    expect(await client.uploadBlob(blobIdOf(held.blob), held.blob.length, chunksOf(held.blob))).toEqual({ status: 'exists' });
    expect(await store.counts()).toEqual(before);
    expect(await metricValue(relay, 'aegees_relay_rejections_total', '{reason="storage_full"}')).toBe(3);
    expect(await metricValue(relay, 'aegees_relay_disk_free_bytes')).toBeGreaterThan(0);
    await waitFor(() => relay.logs.some((line) => line.msg === 'disk nearly full: refusing new deposits and uploads'), 'the warning');
  });

  it('still delivers what it holds and deletes it on the ack, which frees space', async () => {
    const inbox = await connectInbox(client, { rootSecret: mailbox.rootSecret });
    const [pushed] = await inbox.waitForCount(1);
    expect(pushed!.msgId).toEqual(held.msgId);
    expect(pushed!.envelope).toEqual(held.envelope);
    await waitForEmptyStore(store);
    await inbox.close();
  });
});

describe('a relay on PostgreSQL', () => {
  it('leaves the disk reserve to the database: --min-free-bytes does not apply', async () => {
    const relay = await spawnRelay({
      ...(await backendOptions('postgres', 'diskfull')),
      flags: { 'rate-limit': 0, 'min-free-bytes': UNREACHABLE_RESERVE },
    });
    const client = clientFor(relay);
    try {
      const deposited = await client.deposit({ msgId: newMsgId(), mailboxIds: [newMailbox(relay.identityKey).id], envelope: opaque(100) });
      expect(deposited.status).toBe('stored');
      expect(await (await fetch(`${relay.url}/metrics`)).text()).not.toContain('aegees_relay_disk_free_bytes');
    } finally {
      client.close();
      await relay.stop();
    }
  });
});
