// Faults: kill -9 during a burst of deposits loses no acknowledged deposit and delivers
// none twice; data damaged at rest (truncated or bit-flipped database file, blob file or
// rows) is refused, and the relay says so.
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { connectInbox } from '../../support/relay-inbox.js';
import { RelayExitedError, spawnRelay, type RelayProcess, type RelayProcessOptions } from '../../support/relay-process.js';
import { waitFor } from '../../support/wait.js';
import {
  BACKENDS, backendOptions, blobFiles, blobIdOf, chunksOf, clientFor, metricValue, newMailbox, newMsgId, opaque,
} from './harness.js';

const flags = { 'rate-limit': 0 };

function flipBit(path: string, offset: number): void {
  const bytes = readFileSync(path);
  bytes[offset]! ^= 0x10;
  writeFileSync(path, bytes);
}

function logged(relay: { logs: ReadonlyArray<{ msg: string }> }, text: string): boolean {
  return relay.logs.some((line) => line.msg.includes(text));
}

describe.each(BACKENDS)('faults on %s', (backend) => {
  it('delivers every acknowledged deposit exactly once after kill -9 during a burst', async () => {
    const options = await backendOptions(backend, 'kill');
    const first = await spawnRelay({ ...options, flags });
    const mailbox = newMailbox(first.identityKey);
    const acknowledged = new Set<string>();
    let killed = false;
    const sender = clientFor(first);
    const senders = Array.from({ length: 8 }, async () => {
      while (!killed) {
        const msgId = newMsgId();
        try {
          await sender.deposit({ msgId, mailboxIds: [mailbox.id], envelope: opaque(300) });
          acknowledged.add(msgId.toString('hex'));
        } catch {
          // The relay died with this request in flight: it may or may not be stored.
        }
      }
    });
    await waitFor(() => acknowledged.size >= 300, '300 acknowledged deposits');
    await first.kill();
    killed = true;
    await Promise.all(senders);
    sender.close();
    const acknowledgedBeforeKill = [...acknowledged];

    const second = await spawnRelay({ ...options, dataDir: first.dataDir, flags });
    try {
      const client = clientFor(second);
      const inbox = await connectInbox(client, { rootSecret: mailbox.rootSecret });
      // Pushes follow deposit order: once this marker arrives, everything stored before it has.
      const marker = newMsgId();
      await client.deposit({ msgId: marker, mailboxIds: [mailbox.id], envelope: opaque(10) });
      await waitFor(() => inbox.received.some((e) => e.msgId.equals(marker)), 'the marker');
      const delivered = inbox.received.map((e) => e.msgId.toString('hex')).filter((id) => id !== marker.toString('hex'));
      expect(new Set(delivered).size).toBe(delivered.length);
      const missing = acknowledgedBeforeKill.filter((id) => !delivered.includes(id));
      expect(missing).toEqual([]);
      await inbox.close();
      client.close();
    } finally {
      await second.stop();
    }
  });

  it('on SIGTERM finishes the request in flight, closes mailboxes with 1001, and exits 0', async () => {
    const options = await backendOptions(backend, 'sigterm');
    const relay = await spawnRelay({ ...options, flags });
    const client = clientFor(relay);
    const inbox = await connectInbox(client);
    const body = Buffer.from(JSON.stringify({
      msgId: newMsgId().toString('hex'), mailboxes: [inbox.session.mailboxId.toString('hex')], blobs: [],
      envelope: opaque(5000).toString('base64url'),
    }));
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${relay.url}/v1/envelopes`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': body.length },
      }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.write(body.subarray(0, 1000));
      void waitFor(async () => (await metricValue(relay, 'aegees_relay_request_body_bytes')) > 0, 'the body to be in flight')
        .then(async () => {
          const stopping = relay.stop();
          await waitFor(() => logged(relay, 'relay shutting down'), 'shutdown to begin');
          req.end(body.subarray(1000));
          await stopping;
        });
    });
    expect((await answer).status).toBe(201);
    expect(await inbox.closed).toMatchObject({ code: 1001 });
    expect(await relay.exited).toEqual({ code: 0, signal: null });
    client.close();
  });

  it('refuses to push an envelope or serve a blob whose stored bytes were damaged, and logs it', async () => {
    const options = await backendOptions(backend, 'damage');
    const first = await spawnRelay({ ...options, flags });
    const client = clientFor(first);
    const mailbox = newMailbox(first.identityKey);
    const damagedEnvelope = opaque(2000);
    const damaged = newMsgId();
    const intact = newMsgId();
    const flipped = opaque(50_000);
    const cut = opaque(50_000);
    await client.uploadBlob(blobIdOf(flipped), flipped.length, chunksOf(flipped));
    await client.uploadBlob(blobIdOf(cut), cut.length, chunksOf(cut));
    await client.deposit({ msgId: damaged, mailboxIds: [mailbox.id], blobIds: [blobIdOf(flipped), blobIdOf(cut)], envelope: damagedEnvelope });
    await client.deposit({ msgId: intact, mailboxIds: [mailbox.id], envelope: opaque(100) });
    client.close();
    await first.stop();

    await damage(first, options, { envelope: damagedEnvelope, flippedBlob: flipped, cutBlob: cut });

    const second = await spawnRelay({ ...options, dataDir: first.dataDir, flags });
    try {
      const again = clientFor(second);
      const inbox = await connectInbox(again, { rootSecret: mailbox.rootSecret });
      await inbox.waitForCount(1);
      await waitFor(() => logged(second, 'stored envelope is damaged'), 'the damaged-envelope log line');
      expect(inbox.received.map((e) => e.msgId)).toEqual([intact]);
      expect(await metricValue(second, 'aegees_relay_rejections_total', '{reason="envelope_corrupt"}')).toBe(1);
      for (const blob of [flipped, cut]) {
        await expect(again.downloadBlob(blobIdOf(blob))).rejects.toMatchObject({ status: 500, relayCode: 'BLOB_CORRUPT' });
      }
      expect(logged(second, 'stored blob is damaged')).toBe(true);
      await inbox.close();
      again.close();
    } finally {
      await second.stop();
    }
  });
});

/** Damages the stored copies the way a failing disk (or a hostile operator) would. */
async function damage(
  relay: RelayProcess, options: RelayProcessOptions, data: { envelope: Buffer; flippedBlob: Buffer; cutBlob: Buffer },
): Promise<void> {
  if (options.databaseUrl) {
    const client = new pg.Client({ connectionString: options.databaseUrl });
    await client.connect();
    await client.query("UPDATE envelopes SET body = set_byte(body, 100, get_byte(body, 100) # 16) WHERE position($1 in body) > 0",
      [data.envelope.subarray(0, 64)]);
    await client.query(`UPDATE blob_chunks SET data = set_byte(data, 1000, get_byte(data, 1000) # 16)
      FROM blobs WHERE blobs.upload_id = blob_chunks.upload_id AND blobs.blob_id = $1`, [blobIdOf(data.flippedBlob)]);
    await client.query(`UPDATE blob_chunks SET data = substring(data from 1 for 1000)
      FROM blobs WHERE blobs.upload_id = blob_chunks.upload_id AND blobs.blob_id = $1`, [blobIdOf(data.cutBlob)]);
    await client.end();
    return;
  }
  const dbPath = join(relay.dataDir, 'relay.db');
  const at = readFileSync(dbPath).indexOf(data.envelope.subarray(0, 64));
  expect(at).toBeGreaterThan(0);
  flipBit(dbPath, at + 100);
  for (const path of blobFiles(relay.dataDir)) {
    const bytes = readFileSync(path);
    if (bytes.equals(data.flippedBlob)) flipBit(path, 1000);
    if (bytes.equals(data.cutBlob)) truncateSync(path, 1000);
  }
}

describe('a damaged SQLite file', () => {
  async function stoppedRelayWithData(): Promise<RelayProcess> {
    const relay = await spawnRelay({ flags });
    const client = clientFor(relay);
    const mailbox = newMailbox(relay.identityKey);
    for (let i = 0; i < 60; i += 1) await client.deposit({ msgId: newMsgId(), mailboxIds: [mailbox.id], envelope: opaque(1000) });
    client.close();
    await relay.stop();
    return relay;
  }

  async function expectRefusal(dataDir: string, reason: RegExp): Promise<void> {
    const error = await spawnRelay({ dataDir, flags }).then(
      async (relay) => {
        await relay.stop();
        throw new Error('the relay started on damaged data');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RelayExitedError);
    expect((error as RelayExitedError).code).toBe(3);
    const fatal = (error as RelayExitedError).logs.find((line) => line.level === 60);
    expect(fatal?.msg).toMatch(/^refusing to serve damaged data/);
    expect(fatal?.msg).toMatch(reason);
  }

  it('refuses to start on a truncated file', async () => {
    const relay = await stoppedRelayWithData();
    const path = join(relay.dataDir, 'relay.db');
    truncateSync(path, Math.floor(readFileSync(path).length / 2));
    await expectRefusal(relay.dataDir, /corrupt|integrity/);
  });

  it('refuses to start on a file truncated to nothing, instead of starting empty', async () => {
    const relay = await stoppedRelayWithData();
    truncateSync(join(relay.dataDir, 'relay.db'), 0);
    await expectRefusal(relay.dataDir, /missing or empty/);
  });

  it('refuses to start on a file with a damaged b-tree page', async () => {
    const relay = await stoppedRelayWithData();
    const path = join(relay.dataDir, 'relay.db');
    const db = new Database(path, { readonly: true });
    const root = (db.prepare("SELECT rootpage FROM sqlite_schema WHERE name = 'deliveries'").get() as { rootpage: number }).rootpage;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.close();
    flipBit(path, (root - 1) * pageSize);
    await expectRefusal(relay.dataDir, /integrity|corrupt/);
  });
});
