// The per-address budget of unreferenced blob bytes, on real relay processes: an address
// that has uploaded its budget of blobs no envelope references gets 429 until a deposit
// references them — also when that deposit went through another process of the same relay.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayClient } from '../../../src/core/relay-client/client.js';
import { spawnRelay, type RelayProcess } from '../../support/relay-process.js';
import {
  BACKENDS, backendOptions, blobIdOf, chunksOf, clientFor, inspectStore, newMailbox, newMsgId, opaque, release,
  type StoreInspector,
} from './harness.js';

const BUDGET = 30_000;
const flags = { 'rate-limit': 0, 'unreferenced-blob-bytes-per-address': BUDGET };
const overBudget = { code: 'RATE_LIMITED', relayCode: 'RATE_LIMITED', status: 429, retryAfterSeconds: 60 };

async function upload(client: RelayClient, blob: Buffer): Promise<{ status: string }> {
  return client.uploadBlob(blobIdOf(blob), blob.length, chunksOf(blob));
}

describe.each(BACKENDS)('unreferenced blob budget on %s', (backend) => {
  let relay: RelayProcess;
  let client: RelayClient;
  let store: StoreInspector;

  beforeAll(async () => {
    const options = await backendOptions(backend, 'uploadbudget');
    relay = await spawnRelay({ ...options, flags });
    client = clientFor(relay);
    store = inspectStore(relay, options);
  });

  afterAll(() => release({ client, store, relay }));

  it('refuses an upload past the budget before reading it, and takes it once a deposit references the earlier ones', async () => {
    const [first, second] = [opaque(20_000), opaque(20_000)];
    expect(await upload(client, first)).toEqual({ status: 'stored' });
    const before = await store.counts();
    await expect(upload(client, second)).rejects.toMatchObject(overBudget);
    expect(await store.counts()).toEqual(before);
    // A blob the relay already holds costs nothing more.
    expect(await upload(client, first)).toEqual({ status: 'exists' });

    const mailbox = newMailbox(relay.identityKey);
    await client.deposit({ msgId: newMsgId(), mailboxIds: [mailbox.id], blobIds: [blobIdOf(first)], envelope: opaque(100) });
    expect(await upload(client, second)).toEqual({ status: 'stored' });
  });
});

describe('unreferenced blob budget across two processes on one PostgreSQL database', () => {
  let a: RelayProcess;
  let b: RelayProcess;
  let viaA: RelayClient;
  let viaB: RelayClient;

  beforeAll(async () => {
    const options = await backendOptions('postgres', 'uploadbudget2');
    a = await spawnRelay({ ...options, flags });
    b = await spawnRelay({ ...options, identityKeyPath: join(a.dataDir, 'identity.key'), flags });
    viaA = clientFor(a);
    viaB = clientFor(b);
  });

  afterAll(async () => {
    viaA?.close();
    viaB?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('frees the budget on one process when the deposit referencing the blob went through the other', async () => {
    const [first, second] = [opaque(20_000), opaque(20_000)];
    expect(await upload(viaA, first)).toEqual({ status: 'stored' });
    await expect(upload(viaA, second)).rejects.toMatchObject(overBudget);
    await viaB.deposit({ msgId: newMsgId(), mailboxIds: [newMailbox(b.identityKey).id], blobIds: [blobIdOf(first)], envelope: opaque(100) });
    expect(await upload(viaA, second)).toEqual({ status: 'stored' });
  });
});
