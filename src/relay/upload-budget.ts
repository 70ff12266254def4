// Caps the blob bytes one address has uploaded that no envelope references yet. A blob is
// paid for by the deposit that references it (the recipients' quotas count it from then on);
// until then it is anyone's free storage for the unreferenced-blob TTL, and this budget is
// what stops one address from filling the relay with it. Kept in memory, per process: a
// restart forgets it, which only ever lets an address upload more, never less.

interface Upload {
  readonly address: string;
  readonly size: number;
  readonly expiresAt: number;
}

export class UploadBudget {
  private readonly byAddress = new Map<string, number>();
  private readonly byBlob = new Map<string, Upload>();

  /** `limit` bytes per address; 0 means no limit. `ttlMs`: how long an unreferenced blob lives. */
  constructor(
    private readonly limit: number,
    private readonly ttlMs: number,
  ) {}

  /**
   * Counts an upload of `size` bytes from `address` before it is read; false if it would
   * take the address over its budget. Every counted upload ends with `uploaded` or `failed`.
   */
  reserve(address: string, size: number): boolean {
    if (this.limit === 0) return true;
    const used = this.byAddress.get(address) ?? 0;
    if (used + size > this.limit) return false;
    this.byAddress.set(address, used + size);
    return true;
  }

  /** The upload was stored: its bytes stay counted until an envelope references the blob or it expires. */
  uploaded(address: string, blobId: Buffer, size: number, now: number): void {
    if (this.limit === 0) return;
    const key = blobId.toString('hex');
    // Stored again after the sweeper deleted it but before `prune` forgot it: count it once.
    if (this.byBlob.has(key)) this.release(address, size);
    else this.byBlob.set(key, { address, size, expiresAt: now + this.ttlMs });
  }

  /** The upload was refused or broke off, or the relay already held the blob. */
  failed(address: string, size: number): void {
    if (this.limit === 0) return;
    this.release(address, size);
  }

  /** A stored deposit references these blobs: they no longer count against their uploaders. */
  referenced(blobIds: readonly Buffer[]): void {
    for (const blobId of blobIds) {
      const key = blobId.toString('hex');
      const upload = this.byBlob.get(key);
      if (!upload) continue;
      this.byBlob.delete(key);
      this.release(upload.address, upload.size);
    }
  }

  /**
   * Re-counts `address` against the store: a deposit through another relay process may have
   * referenced its blobs, and the sweeper may have deleted them. Only what is still held and
   * unreferenced stays counted.
   */
  async recount(address: string, stillUnreferenced: (blobIds: Buffer[]) => Promise<Buffer[]>): Promise<void> {
    const counted = [...this.byBlob].filter(([, upload]) => upload.address === address).map(([key]) => Buffer.from(key, 'hex'));
    if (counted.length === 0) return;
    const kept = new Set((await stillUnreferenced(counted)).map((blobId) => blobId.toString('hex')));
    for (const blobId of counted) {
      const key = blobId.toString('hex');
      const upload = this.byBlob.get(key);
      if (!upload || kept.has(key)) continue;
      this.byBlob.delete(key);
      this.release(upload.address, upload.size);
    }
  }

  /** Forgets blobs past their unreferenced TTL (the sweeper deletes them). */
  prune(now: number): void {
    for (const [key, upload] of this.byBlob) {
      if (upload.expiresAt > now) continue;
      this.byBlob.delete(key);
      this.release(upload.address, upload.size);
    }
  }

  /** Bytes counted against `address` now. */
  usedBy(address: string): number {
    return this.byAddress.get(address) ?? 0;
  }

  private release(address: string, size: number): void {
    const left = (this.byAddress.get(address) ?? 0) - size;
    if (left > 0) this.byAddress.set(address, left);
    else this.byAddress.delete(address);
  }
}
