// Envelope ids already processed. The same envelope arrives from several relays (backup
// copies) and may be pushed again after a reconnect; it must take effect once.
import type { Db } from './database.js';

export class SeenRepository {
  private readonly insert;
  private readonly exists;
  private readonly prune;

  constructor(db: Db) {
    this.insert = db.prepare('INSERT INTO seen_messages (msg_id, seen_at) VALUES (?, ?) ON CONFLICT DO NOTHING');
    this.exists = db.prepare<[Uint8Array], number>('SELECT 1 FROM seen_messages WHERE msg_id = ?').pluck();
    this.prune = db.prepare('DELETE FROM seen_messages WHERE seen_at < ?');
  }

  /** Records `msgId`; true the first time, false for a repeat. */
  checkAndInsert(msgId: Uint8Array, at: number): boolean {
    return this.insert.run(msgId, at).changes === 1;
  }

  has(msgId: Uint8Array): boolean {
    return this.exists.get(msgId) !== undefined;
  }

  /** Forgets ids seen before `time`; safe once no relay can still hold them (their TTL passed). */
  pruneBefore(time: number): number {
    return this.prune.run(time).changes;
  }
}
