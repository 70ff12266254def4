// Retry schedule for the persistent outbox: exponential backoff with "equal jitter" (half fixed, half random), so many
// clients that lost the same relay do not all come back at the same instant, yet no
// retry comes back immediately.

export interface BackoffPolicy {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const OUTBOX_BACKOFF: BackoffPolicy = { baseMs: 1_000, maxMs: 5 * 60_000 };

/** Delay before retry number `attempt` (1 = first retry); `random` returns [0, 1). */
export function retryDelayMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
