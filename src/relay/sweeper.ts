// Deletes undelivered envelopes and unreferenced blobs whose TTL has passed, at start and
// then every interval. With PostgreSQL every process sweeps; rows one process has locked
// are skipped by the others.
import type { Logger } from './log.js';
import type { RelayMetrics } from './metrics.js';
import type { RelayStore } from './store/store.js';

export interface Sweeper {
  stop(): Promise<void>;
}

export function startSweeper(store: RelayStore, intervalMs: number, metrics: RelayMetrics, log: Logger): Sweeper {
  let running: Promise<void> | undefined;
  const sweep = () => {
    running ??= store
      .sweep(Date.now())
      .then((outcome) => {
        metrics.expiries.inc({ kind: 'envelope' }, outcome.expiredEnvelopes);
        metrics.expiries.inc({ kind: 'blob' }, outcome.expiredBlobs);
        if (outcome.expiredEnvelopes + outcome.expiredBlobs > 0) log.info(outcome, 'expired undelivered data deleted');
      })
      .catch((error: unknown) => log.error({ err: error }, 'sweep failed'))
      .finally(() => {
        running = undefined;
      });
  };
  sweep();
  const timer = setInterval(sweep, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
