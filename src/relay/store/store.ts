// The relay's storage contract. SQLite (one file plus a blob directory, single process)
// and PostgreSQL (many relay processes on one cluster) implement it, and the integration
// tests run the same cases on both. Every method is one transaction: it either happens
// completely and durably or not at all.

export interface DepositInput {
  readonly msgId: Buffer;
  /** Sorted, unique. */
  readonly mailboxIds: readonly Buffer[];
  /** Sorted, unique. */
  readonly blobIds: readonly Buffer[];
  readonly envelope: Buffer;
  /** BLAKE2b-256 of `envelope`, checked again before every push. */
  readonly bodyHash: Buffer;
  /** `depositDigest` of the whole deposit, for idempotency. */
  readonly digest: Buffer;
  readonly now: number;
  readonly expiresAt: number;
  readonly quota: { readonly envelopes: number; readonly bytes: number };
}

export type DepositOutcome =
  | { readonly kind: 'stored'; readonly expiresAt: number; readonly seq: number }
  /** Same message id and same content: already stored or already delivered. */
  | { readonly kind: 'duplicate'; readonly expiresAt: number }
  /** Same message id, different content. */
  | { readonly kind: 'conflict' }
  | { readonly kind: 'unknown-blobs'; readonly blobIds: readonly Buffer[] }
  | { readonly kind: 'mailbox-full'; readonly mailboxIds: readonly Buffer[] };

export interface PendingEnvelope {
  /** Deposit order; opaque to callers except for excluding rows already in flight. */
  readonly seq: number;
  readonly msgId: Buffer;
  readonly envelope: Buffer;
  readonly bodyHash: Buffer;
  readonly expiresAt: number;
}

export interface AckOutcome {
  /** Deliveries removed (ids that were pending for this mailbox). */
  readonly delivered: number;
  /** Envelopes deleted because this ack was their last pending delivery. */
  readonly deletedEnvelopes: number;
  readonly deletedBlobs: number;
}

export interface SweepOutcome {
  readonly expiredEnvelopes: number;
  readonly expiredBlobs: number;
}

export interface StoreStats {
  readonly envelopes: number;
  readonly envelopeBytes: number;
  readonly blobs: number;
  readonly blobBytes: number;
}

export interface StoredBlob {
  readonly size: number;
  /** Streams the stored bytes; each call starts from the beginning. */
  read(): AsyncIterable<Buffer>;
}

export interface BlobUpload {
  readonly blobId: Buffer;
  readonly size: number;
  /** Must yield exactly `size` bytes hashing to `blobId`, or throw; the store commits only after it ends. */
  readonly data: AsyncIterable<Buffer>;
  readonly now: number;
  readonly expiresAt: number;
}

/** Notified after a deposit commits, on every relay process sharing the store. */
export type DepositListener = (mailboxIds: readonly Buffer[]) => void;

export interface RelayStore {
  readonly backend: 'sqlite' | 'postgres';
  deposit(input: DepositInput): Promise<DepositOutcome>;
  /** Oldest first, skipping `exclude` (seqs already pushed on this connection). */
  pending(mailboxId: Buffer, exclude: readonly number[], limit: number): Promise<PendingEnvelope[]>;
  ack(mailboxId: Buffer, msgIds: readonly Buffer[], now: number): Promise<AckOutcome>;
  sweep(now: number): Promise<SweepOutcome>;
  stats(): Promise<StoreStats>;
  blobSize(blobId: Buffer): Promise<number | undefined>;
  /** Of these blobs, the ones held and referenced by no envelope. */
  unreferencedBlobs(blobIds: readonly Buffer[]): Promise<Buffer[]>;
  putBlob(upload: BlobUpload): Promise<'stored' | 'exists'>;
  openBlob(blobId: Buffer): Promise<StoredBlob | undefined>;
  /** Subscribes to deposits committed by other processes (PostgreSQL); a no-op for SQLite. */
  onRemoteDeposit(listener: DepositListener): void;
  /** Checks the store is reachable (health endpoint). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The store found its data damaged; the relay refuses to serve it. */
export class StoreCorruptError extends Error {
  override readonly name = 'StoreCorruptError';
}
