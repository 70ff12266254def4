// The per-address budget of unreferenced blob bytes: reserved before an upload is read,
// kept while the blob waits for an envelope, released by the deposit that references it, by
// expiry, by a failed upload, or by a recount against the store.
import { describe, expect, it } from 'vitest';
import { UploadBudget } from '../../../src/relay/upload-budget.js';

const blob = (fill: number) => Buffer.alloc(32, fill);

describe('upload budget', () => {
  it('refuses an upload that would take an address over its limit, and no one else', () => {
    const budget = new UploadBudget(1000, 60_000);
    expect(budget.reserve('a', 600)).toBe(true);
    budget.uploaded('a', blob(1), 600, 0);
    expect(budget.reserve('a', 600)).toBe(false);
    expect(budget.reserve('b', 600)).toBe(true);
    expect(budget.usedBy('a')).toBe(600);
  });

  it('releases a failed upload at once, and a stored one when a deposit references it', () => {
    const budget = new UploadBudget(1000, 60_000);
    budget.reserve('a', 600);
    budget.failed('a', 600);
    expect(budget.usedBy('a')).toBe(0);
    budget.reserve('a', 600);
    budget.uploaded('a', blob(1), 600, 0);
    budget.referenced([blob(1), blob(9)]);
    expect(budget.usedBy('a')).toBe(0);
    expect(budget.reserve('a', 1000)).toBe(true);
  });

  it('forgets blobs past their unreferenced lifetime', () => {
    const budget = new UploadBudget(1000, 60_000);
    budget.reserve('a', 700);
    budget.uploaded('a', blob(1), 700, 1_000);
    budget.prune(60_999);
    expect(budget.usedBy('a')).toBe(700);
    budget.prune(61_000);
    expect(budget.usedBy('a')).toBe(0);
  });

  it('recounts an address against the store, keeping only blobs still held and unreferenced', async () => {
    const budget = new UploadBudget(1000, 60_000);
    for (const [fill, size] of [[1, 300], [2, 300], [3, 300]] as const) {
      budget.reserve('a', size);
      budget.uploaded('a', blob(fill), size, 0);
    }
    budget.reserve('b', 100);
    budget.uploaded('b', blob(4), 100, 0);
    const asked: string[][] = [];
    await budget.recount('a', async (ids) => {
      asked.push(ids.map((id) => id.toString('hex')));
      return [blob(2)];
    });
    expect(asked).toEqual([[blob(1), blob(2), blob(3)].map((id) => id.toString('hex'))]);
    expect(budget.usedBy('a')).toBe(300);
    expect(budget.usedBy('b')).toBe(100);
  });

  it('counts a blob stored again before it was forgotten once', () => {
    const budget = new UploadBudget(1000, 60_000);
    budget.reserve('a', 400);
    budget.uploaded('a', blob(1), 400, 0);
    budget.reserve('a', 400);
    budget.uploaded('a', blob(1), 400, 10);
    expect(budget.usedBy('a')).toBe(400);
  });

  it('counts nothing with no limit', () => {
    const budget = new UploadBudget(0, 60_000);
    expect(budget.reserve('a', Number.MAX_SAFE_INTEGER)).toBe(true);
    budget.uploaded('a', blob(1), 5, 0);
    expect(budget.usedBy('a')).toBe(0);
  });
});
