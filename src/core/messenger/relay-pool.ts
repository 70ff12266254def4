// One client per relay, the mailbox connections on this device's inbox relays, and the
// live status the server picker shows: connected or down, latency, whether the relay
// proved its pinned identity key. Reconnects with backoff; never gives up on a relay.
import { EventEmitter } from 'node:events';
import { isAegeesError } from '../../common/errors.js';
import { OUTBOX_BACKOFF, retryDelayMs } from '../delivery/backoff.js';
import { RelayClient, type MailboxSession, type PushedEnvelope } from '../relay-client/index.js';
import type { TransportOptions } from '../relay-client/http.js';

export type RelayStatus = 'connected' | 'connecting' | 'down' | 'impostor';

export interface RelayState {
  readonly url: string;
  status: RelayStatus;
  latencyMs: number | null;
  keyVerified: boolean;
  lastError?: string;
}

export interface RelayPoolOptions {
  readonly transport: TransportOptions;
  readonly mailboxRootSecret: () => Uint8Array;
  readonly onEnvelope: (relayUrl: string, envelope: PushedEnvelope, session: MailboxSession) => void;
  /** How often every known relay's signed information document is fetched (latency, key check). */
  readonly healthIntervalMs: number;
  readonly random: () => number;
}

interface Watched {
  readonly client: RelayClient;
  readonly state: RelayState;
  inbox: boolean;
  session?: MailboxSession;
  reconnectTimer?: NodeJS.Timeout;
  attempts: number;
  connecting: boolean;
}

export class RelayPool extends EventEmitter<{ changed: [RelayState[]]; reachable: [string] }> {
  private readonly relays = new Map<string, Watched>();
  private readonly transient = new Map<string, RelayClient>();
  /** Relays outside the roster whose last request found them unreachable. */
  private readonly transientDown = new Set<string>();
  private healthTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly options: RelayPoolOptions) {
    super();
  }

  /** Starts watching a relay; inbox relays also get a mailbox connection. */
  watch(url: string, relayKey: Uint8Array, inbox: boolean): void {
    let watched = this.relays.get(url);
    if (!watched) {
      watched = {
        client: new RelayClient({ ...this.options.transport, url, relayKey }),
        state: { url, status: 'connecting', latencyMs: null, keyVerified: false },
        inbox,
        attempts: 0,
        connecting: false,
      };
      this.relays.set(url, watched);
      void this.checkHealth(watched);
    }
    watched.inbox = inbox;
    if (inbox && !watched.session && !watched.connecting) void this.connect(watched);
    this.healthTimer ??= setInterval(() => this.checkAll(), this.options.healthIntervalMs).unref();
  }

  async unwatch(url: string): Promise<void> {
    const watched = this.relays.get(url);
    if (!watched) return;
    this.relays.delete(url);
    clearTimeout(watched.reconnectTimer);
    await watched.session?.close();
    watched.client.close();
    this.emitChanged();
  }

  /** A client for any relay, watched or not (a contact's inbox relay we do not listen on). */
  client(url: string, relayKey: Uint8Array): RelayClient {
    const watched = this.relays.get(url);
    if (watched) return watched.client;
    let client = this.transient.get(url);
    if (!client) {
      client = new RelayClient({ ...this.options.transport, url, relayKey });
      this.transient.set(url, client);
    }
    return client;
  }

  states(): RelayState[] {
    return [...this.relays.values()].map((watched) => ({ ...watched.state }));
  }

  state(url: string): RelayState | undefined {
    const watched = this.relays.get(url);
    return watched && { ...watched.state };
  }

  /** Records a failed request through a relay's client when it says the relay is unreachable or an impostor. */
  reportFailure(url: string, error: unknown): void {
    const watched = this.relays.get(url);
    const unreachable = isAegeesError(error, 'RELAY_UNAVAILABLE') || isAegeesError(error, 'RELAY_IDENTITY_MISMATCH');
    if (!unreachable) return;
    if (watched) this.update(watched, statusFor(error), errorText(error));
    else this.transientDown.add(url);
  }

  reportSuccess(url: string): void {
    this.transientDown.delete(url);
    const watched = this.relays.get(url);
    if (watched && watched.state.status !== 'connected' && (!watched.inbox || watched.session)) this.update(watched, 'connected');
  }

  /** Whether the relay is known to be unreachable (or not to be who it should be) right now. */
  isDown(url: string): boolean {
    const status = this.relays.get(url)?.state.status;
    return status === undefined ? this.transientDown.has(url) : status === 'down' || status === 'impostor';
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.healthTimer);
    await Promise.all(
      [...this.relays.values()].map(async (watched) => {
        clearTimeout(watched.reconnectTimer);
        await watched.session?.close();
        watched.client.close();
      }),
    );
    for (const client of this.transient.values()) client.close();
    this.relays.clear();
    this.transient.clear();
  }

  private checkAll(): void {
    for (const watched of this.relays.values()) void this.checkHealth(watched);
  }

  private async checkHealth(watched: Watched): Promise<void> {
    const started = performance.now();
    try {
      await watched.client.fetchInfo();
      watched.state.latencyMs = Math.round((performance.now() - started) * 10) / 10;
      watched.state.keyVerified = true;
      if (!watched.inbox || watched.session) this.update(watched, 'connected');
      else this.emitChanged();
    } catch (error) {
      this.update(watched, statusFor(error), errorText(error));
    }
  }

  private async connect(watched: Watched): Promise<void> {
    if (this.closed || !this.relays.has(watched.state.url)) return;
    watched.connecting = true;
    try {
      const session = await watched.client.connectMailbox({
        rootSecret: this.options.mailboxRootSecret(),
        onEnvelope: (envelope, live) => this.options.onEnvelope(watched.state.url, envelope, live),
        onClose: (_code, reason) => {
          watched.session = undefined;
          if (this.closed || !this.relays.has(watched.state.url)) return;
          this.update(watched, 'down', `connection closed${reason ? `: ${reason}` : ''}`);
          this.scheduleReconnect(watched);
        },
      });
      watched.session = session;
      watched.attempts = 0;
      watched.state.keyVerified = true;
      this.update(watched, 'connected');
    } catch (error) {
      this.update(watched, statusFor(error), errorText(error));
      this.scheduleReconnect(watched);
    } finally {
      watched.connecting = false;
    }
  }

  private scheduleReconnect(watched: Watched): void {
    if (this.closed || !watched.inbox) return;
    watched.attempts += 1;
    const delay = retryDelayMs(watched.attempts, { ...OUTBOX_BACKOFF, maxMs: 30_000 }, this.options.random);
    clearTimeout(watched.reconnectTimer);
    watched.reconnectTimer = setTimeout(() => void this.connect(watched), delay);
    watched.reconnectTimer.unref();
  }

  private update(watched: Watched, status: RelayStatus, lastError?: string): void {
    const cameBack = status === 'connected' && watched.state.status !== 'connected';
    watched.state.status = status;
    if (status === 'impostor') watched.state.keyVerified = false;
    if (lastError === undefined) delete watched.state.lastError;
    else watched.state.lastError = lastError;
    this.emitChanged();
    if (cameBack && !this.closed) this.emit('reachable', watched.state.url);
  }

  private emitChanged(): void {
    // Connections still settling after close() must not report into a closed profile.
    if (!this.closed) this.emit('changed', this.states());
  }
}

function statusFor(error: unknown): RelayStatus {
  return isAegeesError(error, 'RELAY_IDENTITY_MISMATCH') ? 'impostor' : 'down';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
