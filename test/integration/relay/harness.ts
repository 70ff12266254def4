// Shared set-up for the relay integration tests: a real relay process on either backend,
// a pinned client, and a way to look at what the store really holds (rows, blob bytes).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, inject } from 'vitest';
import Database from 'better-sqlite3-multiple-ciphers';
import pg from 'pg';
import { RelayClient } from '../../../src/core/relay-client/client.js';
import { mailboxIdFor } from '../../../src/core/crypto/mailbox.js';
import { blake2b, randomBytes } from '../../../src/core/crypto/sodium.js';
import { createDatabase } from '../../support/postgres.js';
import { waitFor } from '../../support/wait.js';
import { connectInbox, type Inbox } from '../../support/relay-inbox.js';
import { spawnRelay, type RelayProcess, type RelayProcessOptions } from '../../support/relay-process.js';
import type { TestCertificate } from '../../support/certs.js';

export type BackendName = 'sqlite' | 'postgres';
export const BACKENDS: readonly BackendName[] = ['sqlite', 'postgres'];

export interface StoreCounts {
  readonly envelopes: number;
  readonly deliveries: number;
  readonly blobs: number;
  /** Blob files on disk (SQLite) or blob chunk rows (PostgreSQL). */
  readonly blobData: number;
  readonly mailboxes: number;
}

/** Reads the relay's store directly, the way an operator (or an attacker with the disk) would. */
export interface StoreInspector {
  counts(): Promise<StoreCounts>;
  close(): Promise<void>;
}

let databases = 0;

/** Relay options for a backend: a fresh SQLite directory, or a fresh PostgreSQL database. */
export async function backendOptions(backend: BackendName, label: string): Promise<RelayProcessOptions> {
  if (backend === 'sqlite') return {};
  databases += 1;
  const name = `relay_${label}_${process.pid}_${databases}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return { databaseUrl: await createDatabase(inject('postgresUrl'), name) };
}

export function inspectStore(relay: RelayProcess, options: RelayProcessOptions): StoreInspector {
  if (options.databaseUrl) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 1 });
    return {
      async counts() {
        const { rows } = await pool.query<Record<keyof StoreCounts, string>>(`SELECT
          (SELECT count(*) FROM envelopes) AS envelopes, (SELECT count(*) FROM deliveries) AS deliveries,
          (SELECT count(*) FROM blobs) AS blobs, (SELECT count(*) FROM blob_chunks) AS "blobData",
          (SELECT count(*) FROM mailboxes) AS mailboxes`);
        const row = rows[0]!;
        return {
          envelopes: Number(row.envelopes), deliveries: Number(row.deliveries), blobs: Number(row.blobs),
          blobData: Number(row.blobData), mailboxes: Number(row.mailboxes),
        };
      },
      close: () => pool.end(),
    };
  }
  const db = new Database(join(relay.dataDir, 'relay.db'), { fileMustExist: true });
  return {
    async counts() {
      const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      return {
        envelopes: count('envelopes'), deliveries: count('deliveries'), blobs: count('blobs'),
        blobData: blobFiles(relay.dataDir).length, mailboxes: count('mailboxes'),
      };
    },
    async close() {
      db.close();
    },
  };
}

const EMPTY: StoreCounts = { envelopes: 0, deliveries: 0, blobs: 0, blobData: 0, mailboxes: 0 };

/**
 * Waits until the store holds nothing: rows go in one transaction, blob files (SQLite) just
 * after it commits.
 */
export async function waitForEmptyStore(store: StoreInspector): Promise<void> {
  await waitFor(async () => {
    const counts = await store.counts();
    return Object.entries(EMPTY).every(([key, value]) => counts[key as keyof StoreCounts] === value);
  }, 'the store to hold nothing');
}

export function blobFiles(dataDir: string): string[] {
  const root = join(dataDir, 'blobs');
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && entry.name !== 'tmp')
    .flatMap((entry) => readdirSync(join(root, entry.name)).map((name) => join(root, entry.name, name)));
}

/** Tears down what a test file set up, whichever parts exist (a failed set-up leaves some out). */
export async function release(parts: { client?: RelayClient; store?: StoreInspector; relay?: RelayProcess }): Promise<void> {
  parts.client?.close();
  await parts.store?.close();
  await parts.relay?.stop();
}

export function clientFor(relay: RelayProcess, tls?: TestCertificate): RelayClient {
  return new RelayClient({ url: relay.url, relayKey: relay.identityKey, ...(tls ? { ca: tls.caPem } : {}) });
}

/** A device's mailbox on a relay: its root secret and its per-relay id. */
export function newMailbox(relayKey: Uint8Array): { rootSecret: Buffer; id: Buffer } {
  const rootSecret = randomBytes(32);
  return { rootSecret, id: mailboxIdFor(rootSecret, relayKey) };
}

export function newMsgId(): Buffer {
  return randomBytes(16);
}

/** Opaque bytes standing in for an envelope where its content does not matter. */
export function opaque(size: number): Buffer {
  return randomBytes(size);
}

export function blobIdOf(bytes: Uint8Array): Buffer {
  return blake2b(32, bytes);
}

export async function* chunksOf(bytes: Buffer, chunkSize = 64 * 1024): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += chunkSize) yield bytes.subarray(offset, offset + chunkSize);
}

export async function readAll(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export async function metricValue(relay: RelayProcess, name: string, labels = ''): Promise<number> {
  const res = await fetch(`${relay.url}/metrics`);
  const text = await res.text();
  const line = text.split('\n').find((entry) => entry.startsWith(`${name}${labels} `) || entry === `${name}${labels}`);
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/**
 * A relay for abuse tests, with a mailbox connected before any of it (the bystander):
 * whatever is thrown at the relay, it must keep delivering there (`releaseAbused` checks).
 */
export interface AbusedRelay {
  readonly relay: RelayProcess;
  readonly client: RelayClient;
  readonly store: StoreInspector;
  readonly bystander: Inbox;
}

export async function startAbusedRelay(backend: BackendName, label: string, flags: RelayProcessOptions['flags']): Promise<AbusedRelay> {
  const options = await backendOptions(backend, label);
  const relay = await spawnRelay({ ...options, ...(flags ? { flags } : {}) });
  const client = clientFor(relay);
  return { relay, client, store: inspectStore(relay, options), bystander: await connectInbox(client) };
}

/** The bystander still gets what is deposited for it; then everything is torn down. */
export async function releaseAbused({ relay, client, store, bystander }: AbusedRelay): Promise<void> {
  const msgId = newMsgId();
  await client.deposit({ msgId, mailboxIds: [bystander.session.mailboxId], envelope: opaque(32) });
  const received = await bystander.waitForCount(1);
  expect(received.map((pushed) => pushed.msgId)).toEqual([msgId]);
  await bystander.close();
  await release({ client, store, relay });
}
