// Keeps the SQLite backend's disk from filling up. An acknowledgement or a deletion needs
// room too (SQLite writes it to the WAL first), so on a full disk the relay could not even
// delete what it has delivered, and would stay full. Below `--min-free-bytes` of free space
// on the data directory's filesystem, new deposits and uploads are refused (507
// STORAGE_FULL) while deliveries, acknowledgements and expiry go on and free space again.
// With PostgreSQL the data lives in the database, whose disk is the database's to watch.
import { statfs } from 'node:fs/promises';
import { HttpError } from './http/respond.js';
import type { Logger } from './log.js';

/** How often the free space is read again; in between, accepted bytes are subtracted. */
const REFRESH_MS = 1000;
/** What a refused client is told to wait; space comes back as deliveries and expiry delete. */
const RETRY_AFTER_SECONDS = 60;

export class DiskGuard {
  private free: number;
  private readonly timer: NodeJS.Timeout;
  private refreshing: Promise<void> | undefined;
  private full = false;

  private constructor(
    private readonly dir: string,
    private readonly minFree: number,
    private readonly log: Logger,
    free: number,
  ) {
    this.free = free;
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    this.timer.unref();
  }

  static async start(dir: string, minFree: number, log: Logger): Promise<DiskGuard> {
    return new DiskGuard(dir, minFree, log, await freeBytesOf(dir));
  }

  /** Free bytes as last read, less what was accepted since. */
  get freeBytes(): number {
    return this.free;
  }

  /**
   * Counts `bytes` about to be written, or refuses them if they would leave less than the
   * reserve free. Counting them at once keeps a burst within one refresh from overshooting.
   */
  admit(bytes: number): void {
    if (this.free - bytes < this.minFree) {
      throw new HttpError(507, 'STORAGE_FULL', 'the relay is low on disk space; try again later or another relay', {}, RETRY_AFTER_SECONDS);
    }
    this.free -= bytes;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= freeBytesOf(this.dir)
      .then((free) => {
        this.free = free;
        const full = free < this.minFree;
        if (full !== this.full) {
          this.full = full;
          if (full) this.log.warn({ free, minFree: this.minFree }, 'disk nearly full: refusing new deposits and uploads');
          else this.log.info({ free, minFree: this.minFree }, 'disk space recovered: accepting deposits and uploads again');
        }
      })
      .catch((error: unknown) => this.log.error({ err: error }, 'could not read the free disk space'))
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

async function freeBytesOf(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}
