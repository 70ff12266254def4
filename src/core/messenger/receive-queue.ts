// The receive path's queue. Copies pushed by every relay wait here in arrival order and are
// handed on in bursts — whatever arrived while the previous burst was being processed, up
// to MAX_BURST — so that a backlog costs one durable commit per burst instead of one per
// message. Each copy is acknowledged to the relay that pushed it only once its burst has
// been processed, i.e. after the commit that stored it; a copy that cannot be placed yet
// stays on its relay and is offered again after a backoff.
import type { MailboxSession, PushedEnvelope } from '../relay-client/index.js';

export interface IncomingCopy {
  readonly relayUrl: string;
  readonly pushed: PushedEnvelope;
  readonly session: MailboxSession;
  /** Earlier tries that left this copy on its relay. */
  readonly attempt: number;
}

/** `ack`: the relay may delete its copy; `retry`: leave it there and offer it again later. */
export type CopyOutcome = 'ack' | 'retry';

export interface ReceiveQueueOptions {
  /** Processes a burst in order; returns one outcome per copy. Nothing may be acked before it resolves. */
  readonly processBurst: (burst: readonly IncomingCopy[]) => Promise<CopyOutcome[]>;
  /** Delay before the `attempt`-th retry of a copy. */
  readonly retryDelayMs: (attempt: number) => number;
  readonly onError: (error: unknown) => void;
}

/**
 * Largest burst. A relay pushes at most its push window (64 by default) before it waits for
 * acks, and several relays push at once; bursts stay well under a receipt's 1,024 ids.
 */
export const MAX_BURST = 256;

export class ReceiveQueue {
  private readonly waiting: IncomingCopy[] = [];
  private draining: Promise<void> | undefined;
  /** Copies left on their relay for now, by relay URL and message id. */
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(private readonly options: ReceiveQueueOptions) {}

  push(copy: IncomingCopy): void {
    if (this.closed) return;
    this.waiting.push(copy);
    this.draining ??= this.drain();
  }

  /** Resolves once every copy pushed so far has been processed (or the queue closed). */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  /**
   * Takes no further bursts and forgets scheduled retries; the burst in progress finishes
   * (await `idle`). Copies not processed stay on their relays, which push them again on the
   * next connection.
   */
  close(): void {
    this.closed = true;
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        // A turn of the event loop first: frames that arrived together join one burst.
        await new Promise((resolve) => setImmediate(resolve));
        if (this.closed || this.waiting.length === 0) return;
        const burst = this.waiting.splice(0, MAX_BURST);
        let outcomes: CopyOutcome[];
        try {
          outcomes = await this.options.processBurst(burst);
        } catch (error) {
          this.options.onError(error);
          outcomes = burst.map(() => 'retry');
        }
        this.settle(burst, outcomes);
      }
    } finally {
      this.draining = undefined;
    }
  }

  private settle(burst: readonly IncomingCopy[], outcomes: readonly CopyOutcome[]): void {
    const acks = new Map<MailboxSession, Buffer[]>();
    burst.forEach((copy, index) => {
      if (outcomes[index] !== 'ack') this.retryLater(copy);
      else if (acks.has(copy.session)) acks.get(copy.session)!.push(copy.pushed.msgId);
      else acks.set(copy.session, [copy.pushed.msgId]);
    });
    for (const [session, msgIds] of acks) session.ack(msgIds);
  }

  /**
   * A relay pushes a copy once per connection, so without this it would wait, unacknowledged
   * and taking a slot of the relay's push window, for the next reconnect — even after another
   * relay's copy was stored.
   */
  private retryLater(copy: IncomingCopy): void {
    if (this.closed) return;
    const key = `${copy.relayUrl} ${copy.pushed.msgId.toString('hex')}`;
    const attempt = copy.attempt + 1;
    clearTimeout(this.retries.get(key));
    const timer = setTimeout(() => {
      this.retries.delete(key);
      this.push({ ...copy, attempt });
    }, this.options.retryDelayMs(attempt));
    timer.unref();
    this.retries.set(key, timer);
  }
}
