// Prometheus metrics (GET /metrics). Counters are per process; the stored-data gauges are
// read from the store at scrape time, so with PostgreSQL they describe the whole cluster.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { DiskGuard } from './disk-guard.js';
import type { MemoryBudget } from './http/body.js';
import type { RelayStore } from './store/store.js';

export type RelayMetrics = ReturnType<typeof createMetrics>;

export function createMetrics(store: RelayStore, bodyBudget: MemoryBudget, disk: DiskGuard | undefined) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'aegees_relay_' });
  const registers = [registry];
  const storedEnvelopes = new Gauge({
    name: 'aegees_relay_stored_envelopes', help: 'Envelopes stored and not yet delivered to every mailbox', registers,
  });
  const storedBlobs = new Gauge({ name: 'aegees_relay_stored_blobs', help: 'Blobs stored', registers });
  new Gauge({
    name: 'aegees_relay_request_body_bytes', help: 'Memory reserved for request bodies being received', registers,
    collect() {
      this.set(bodyBudget.reserved);
    },
  });
  if (disk) {
    new Gauge({
      name: 'aegees_relay_disk_free_bytes', help: 'Free space on the data directory\'s filesystem, as the disk guard last counted it', registers,
      collect() {
        this.set(disk.freeBytes);
      },
    });
  }
  const storedBytes = new Gauge({
    name: 'aegees_relay_stored_bytes', help: 'Bytes of stored ciphertext', labelNames: ['kind'] as const, registers,
  });
  const metrics = {
    registry,
    deposits: new Counter({
      name: 'aegees_relay_deposits_total', help: 'Accepted deposits', labelNames: ['result'] as const, registers,
    }),
    blobUploads: new Counter({
      name: 'aegees_relay_blob_uploads_total', help: 'Accepted blob uploads', labelNames: ['result'] as const, registers,
    }),
    pushes: new Counter({ name: 'aegees_relay_pushes_total', help: 'Envelopes pushed to mailbox connections', registers }),
    deliveries: new Counter({
      name: 'aegees_relay_deliveries_total', help: 'Deliveries completed by a mailbox acknowledgement', registers,
    }),
    deletions: new Counter({
      name: 'aegees_relay_deletions_total', help: 'Envelopes and blobs deleted after every mailbox acknowledged',
      labelNames: ['kind'] as const, registers,
    }),
    expiries: new Counter({
      name: 'aegees_relay_expiries_total', help: 'Undelivered envelopes and unreferenced blobs deleted at their TTL',
      labelNames: ['kind'] as const, registers,
    }),
    rejections: new Counter({
      name: 'aegees_relay_rejections_total', help: 'Requests, connections and frames refused, by reason',
      labelNames: ['reason'] as const, registers,
    }),
    connectedMailboxes: new Gauge({
      name: 'aegees_relay_connected_mailboxes', help: 'Authenticated mailbox connections', registers,
    }),
    depositConnections: new Gauge({
      name: 'aegees_relay_deposit_connections', help: 'Open deposit WebSocket connections', registers,
    }),
    inflightBytes: new Gauge({
      name: 'aegees_relay_push_inflight_bytes', help: 'Envelope bytes pushed and not yet acknowledged, all connections', registers,
    }),
    async render(): Promise<string> {
      const stats = await store.stats();
      storedEnvelopes.set(stats.envelopes);
      storedBlobs.set(stats.blobs);
      storedBytes.set({ kind: 'envelopes' }, stats.envelopeBytes);
      storedBytes.set({ kind: 'blobs' }, stats.blobBytes);
      return registry.metrics();
    },
  };
  return metrics;
}
