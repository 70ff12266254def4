import type { Db } from './database.js';

export type ContactState = 'accepted' | 'request-sent' | 'request-received';

export interface ContactRecord {
  readonly accountId: Uint8Array;
  readonly accountPublicKey: Uint8Array;
  readonly displayName: string;
  readonly state: ContactState;
  readonly verified: boolean;
  readonly blocked: boolean;
  /** The newest signed device list accepted, as encoded on the wire. */
  readonly deviceList: Uint8Array | null;
  readonly deviceListVersion: number;
  /** The contact's newest signed contact card, as encoded on the wire. */
  readonly card: Uint8Array | null;
  readonly addedAt: number;
  readonly updatedAt: number;
}

interface ContactRow {
  account_id: Buffer;
  account_public_key: Buffer;
  display_name: string;
  state: ContactState;
  verified: number;
  blocked: number;
  device_list: Buffer | null;
  device_list_version: number;
  card: Buffer | null;
  added_at: number;
  updated_at: number;
}

export class ContactRepository {
  private readonly upsert;
  private readonly byId;
  private readonly all;

  constructor(db: Db) {
    this.upsert = db.prepare(`
      INSERT INTO contacts (account_id, account_public_key, display_name, state, verified, blocked,
                            device_list, device_list_version, card, added_at, updated_at)
      VALUES (@accountId, @accountPublicKey, @displayName, @state, @verified, @blocked,
              @deviceList, @deviceListVersion, @card, @addedAt, @updatedAt)
      ON CONFLICT (account_id) DO UPDATE SET
        account_public_key = excluded.account_public_key, display_name = excluded.display_name,
        state = excluded.state, verified = excluded.verified, blocked = excluded.blocked,
        device_list = excluded.device_list, device_list_version = excluded.device_list_version,
        card = excluded.card, updated_at = excluded.updated_at`);
    this.byId = db.prepare<[Uint8Array], ContactRow>('SELECT * FROM contacts WHERE account_id = ?');
    this.all = db.prepare<[], ContactRow>('SELECT * FROM contacts ORDER BY display_name COLLATE NOCASE, account_id');
  }

  /** Inserts or replaces the contact; `addedAt` is kept from the first insert. */
  put(contact: ContactRecord): void {
    this.upsert.run({ ...contact, verified: Number(contact.verified), blocked: Number(contact.blocked) });
  }

  get(accountId: Uint8Array): ContactRecord | undefined {
    const row = this.byId.get(accountId);
    return row && record(row);
  }

  list(): ContactRecord[] {
    return this.all.all().map(record);
  }
}

function record(row: ContactRow): ContactRecord {
  return {
    accountId: row.account_id,
    accountPublicKey: row.account_public_key,
    displayName: row.display_name,
    state: row.state,
    verified: row.verified === 1,
    blocked: row.blocked === 1,
    deviceList: row.device_list,
    deviceListVersion: row.device_list_version,
    card: row.card,
    addedAt: row.added_at,
    updatedAt: row.updated_at,
  };
}
