// The relays this profile knows. A relay's identity key is pinned: changing it is an
// explicit remove and add, never a silent overwrite, since a new key may be an impostor.
import type { Db } from './database.js';

export type RelaySource = 'default' | 'user' | 'embedded';

export interface RelayRecord {
  readonly url: string;
  /** The relay's Ed25519 identity key (32 bytes). */
  readonly identityKey: Uint8Array;
  /** 'user' for relays the user added; 'embedded' for those learned from contacts. */
  readonly source: RelaySource;
  /** This device listens there. */
  readonly inbox: boolean;
  readonly addedAt: number;
}

interface RelayRow {
  url: string;
  identity_key: Buffer;
  source: RelaySource;
  inbox: number;
  added_at: number;
}

export class RosterRepository {
  private readonly insert;
  private readonly byUrl;
  private readonly all;
  private readonly deleteRelay;
  private readonly updateInbox;

  constructor(db: Db) {
    this.insert = db.prepare(`
      INSERT INTO roster (url, identity_key, source, inbox, added_at)
      VALUES (@url, @identityKey, @source, @inbox, @addedAt) ON CONFLICT DO NOTHING`);
    this.byUrl = db.prepare<[string], RelayRow>('SELECT * FROM roster WHERE url = ?');
    this.all = db.prepare<[], RelayRow>('SELECT * FROM roster ORDER BY added_at, url');
    this.deleteRelay = db.prepare('DELETE FROM roster WHERE url = ?');
    this.updateInbox = db.prepare('UPDATE roster SET inbox = ? WHERE url = ?');
  }

  /** False when a relay with that URL is already known (its key stays as it was). */
  add(relay: RelayRecord): boolean {
    return this.insert.run({ ...relay, inbox: Number(relay.inbox) }).changes === 1;
  }

  get(url: string): RelayRecord | undefined {
    const row = this.byUrl.get(url);
    return row && record(row);
  }

  list(): RelayRecord[] {
    return this.all.all().map(record);
  }

  remove(url: string): boolean {
    return this.deleteRelay.run(url).changes === 1;
  }

  setInbox(url: string, inbox: boolean): boolean {
    return this.updateInbox.run(Number(inbox), url).changes === 1;
  }
}

function record(row: RelayRow): RelayRecord {
  return {
    url: row.url,
    identityKey: row.identity_key,
    source: row.source,
    inbox: row.inbox === 1,
    addedAt: row.added_at,
  };
}
