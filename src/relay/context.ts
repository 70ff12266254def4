// What every request handler and mailbox connection of one relay process shares.
import type { SigningKeyPair } from '../core/crypto/sodium.js';
import type { RelayConfig } from './config.js';
import type { DiskGuard } from './disk-guard.js';
import type { MemoryBudget } from './http/body.js';
import type { Logger } from './log.js';
import type { RelayMetrics } from './metrics.js';
import type { PendingEnvelope, RelayStore } from './store/store.js';
import type { UploadBudget } from './upload-budget.js';

export interface RelayContext {
  readonly config: RelayConfig;
  readonly identity: SigningKeyPair;
  readonly store: RelayStore;
  readonly metrics: RelayMetrics;
  readonly log: Logger;
  readonly bodyBudget: MemoryBudget;
  /** The SQLite backend's free-space reserve; absent with PostgreSQL or --min-free-bytes 0. */
  readonly disk: DiskGuard | undefined;
  /** Unreferenced blob bytes per uploading address. */
  readonly uploads: UploadBudget;
  /** Pushes to this process's connected mailboxes after a deposit committed. */
  readonly onDeposited: (mailboxIds: readonly Buffer[], envelope: PendingEnvelope) => void;
}
