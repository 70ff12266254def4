import { describe, expect, it } from 'vitest';
import { OUTBOX_BACKOFF, retryDelayMs } from '../../../src/core/delivery/backoff.js';

describe('retryDelayMs', () => {
  it('doubles up to the cap and keeps at least half of each step', () => {
    const low = [1, 2, 3, 20].map((attempt) => retryDelayMs(attempt, OUTBOX_BACKOFF, () => 0));
    const high = [1, 2, 3, 20].map((attempt) => retryDelayMs(attempt, OUTBOX_BACKOFF, () => 0.999999));
    expect(low).toEqual([500, 1000, 2000, 150_000]);
    expect(high).toEqual([1000, 2000, 4000, 300_000]);
  });
});
