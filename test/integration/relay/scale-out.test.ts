// Scale-out: two relay processes on one PostgreSQL database (sharing the relay's identity
// key) act as one relay: a deposit on either reaches mailboxes connected to either.
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayClient } from '../../../src/core/relay-client/client.js';
import { connectInbox } from '../../support/relay-inbox.js';
import { spawnRelay, type RelayProcess } from '../../support/relay-process.js';
import { waitFor } from '../../support/wait.js';
import {
  backendOptions, blobIdOf, chunksOf, clientFor, inspectStore, newMailbox, newMsgId, opaque, readAll, waitForEmptyStore,
  type StoreInspector,
} from './harness.js';

describe('two relay processes on one PostgreSQL database', () => {
  let a: RelayProcess;
  let b: RelayProcess;
  let viaA: RelayClient;
  let viaB: RelayClient;
  let store: StoreInspector;
  let databaseUrl: string;

  beforeAll(async () => {
    const options = await backendOptions('postgres', 'scaleout');
    databaseUrl = options.databaseUrl!;
    a = await spawnRelay({ ...options, flags: { 'rate-limit': 0 } });
    b = await spawnRelay({ ...options, identityKeyPath: join(a.dataDir, 'identity.key'), flags: { 'rate-limit': 0 } });
    expect(b.identityKey).toEqual(a.identityKey);
    viaA = clientFor(a);
    viaB = clientFor(b);
    store = inspectStore(a, options);
  });

  afterAll(async () => {
    viaA?.close();
    viaB?.close();
    await store?.close();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('pushes a deposit made on one process to a mailbox connected to the other', async () => {
    const mailbox = newMailbox(a.identityKey);
    const inbox = await connectInbox(viaB, { rootSecret: mailbox.rootSecret });
    const msgId = newMsgId();
    await viaA.deposit({ msgId, mailboxIds: [mailbox.id], envelope: opaque(500) });
    expect((await inbox.waitForCount(1))[0]!.msgId).toEqual(msgId);
    await waitFor(async () => (await store.counts()).envelopes === 0, 'the ack on B to delete the row');
    await inbox.close();
  });

  it('deletes a multi-mailbox envelope after the last ack, wherever each mailbox is connected', async () => {
    const mailboxes = [newMailbox(a.identityKey), newMailbox(a.identityKey), newMailbox(a.identityKey)];
    const blob = opaque(300_000);
    await viaA.uploadBlob(blobIdOf(blob), blob.length, chunksOf(blob));
    expect(await readAll(await viaB.downloadBlob(blobIdOf(blob)))).toEqual(blob);
    const inboxes = await Promise.all(mailboxes.map((mailbox, index) =>
      connectInbox(index === 1 ? viaB : viaA, { rootSecret: mailbox.rootSecret, autoAck: false })));
    const msgId = newMsgId();
    await viaB.deposit({ msgId, mailboxIds: mailboxes.map((m) => m.id), blobIds: [blobIdOf(blob)], envelope: opaque(100) });
    for (const [index, inbox] of inboxes.entries()) {
      await inbox.waitForCount(1);
      inbox.session.ack([msgId]);
      const left = 2 - index;
      await waitFor(async () => (await store.counts()).deliveries === left, `${left} deliveries left`);
      expect((await store.counts()).envelopes).toBe(left > 0 ? 1 : 0);
    }
    await waitForEmptyStore(store);
    await Promise.all(inboxes.map((inbox) => inbox.close()));
  });

  it('keeps pushing across processes after its notification connection is cut', async () => {
    const mailbox = newMailbox(a.identityKey);
    const inbox = await connectInbox(viaB, { rootSecret: mailbox.rootSecret });
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    const listeners = `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'`;
    expect((await admin.query(listeners)).rows).toHaveLength(2);
    await admin.query(`SELECT pg_terminate_backend(pid) FROM (${listeners}) l`);
    await waitFor(() => b.logs.some((line) => line.msg.includes('notification connection lost')), 'B to notice');
    await waitFor(async () => (await admin.query(listeners)).rows.length === 2, 'both processes to listen again');
    await admin.end();
    const msgId = newMsgId();
    await viaA.deposit({ msgId, mailboxIds: [mailbox.id], envelope: opaque(50) });
    expect((await inbox.waitForCount(1))[0]!.msgId).toEqual(msgId);
    await inbox.close();
  });
});
