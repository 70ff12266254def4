// The SQLite store's group commit on a real file: operations queued in one tick commit in
// one transaction, and one that throws is rolled back alone while the others are stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from '../../../src/core/crypto/sodium.js';
import { createLogger } from '../../../src/relay/log.js';
import { openSqliteStore } from '../../../src/relay/store/sqlite.js';
import type { DepositInput } from '../../../src/relay/store/store.js';

const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function depositInput(mailboxId: unknown): DepositInput {
  const envelope = randomBytes(64);
  return {
    msgId: randomBytes(16),
    mailboxIds: [mailboxId as Buffer],
    blobIds: [],
    envelope,
    bodyHash: randomBytes(32),
    digest: randomBytes(32),
    now: 1,
    expiresAt: Date.now() + 60_000,
    quota: { envelopes: 10, bytes: 1_000_000 },
  };
}

describe('SQLite store group commit', () => {
  it('rolls back only the operation that fails in a batch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aegees-sqlite-batch-'));
    dirs.push(dir);
    const store = await openSqliteStore(dir, createLogger('silent'));
    const mailbox = randomBytes(32);
    // Queued in one tick, so one transaction. A null mailbox id passes the quota lookup, so its
    // envelope row is written before the delivery row fails NOT NULL: that row must go too.
    const results = await Promise.allSettled([
      store.deposit(depositInput(mailbox)),
      store.deposit(depositInput(null)),
      store.deposit(depositInput(mailbox)),
    ]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await store.stats()).toMatchObject({ envelopes: 2 });
    expect(await store.pending(mailbox, [], 10)).toHaveLength(2);
    await store.close();
  });
});
