// This profile's own account and device: the public half. The private keys live in the
// secret store (keychain); this row says which account and device they belong to and
// holds our current signed device list and contact card.
import type { Db } from './database.js';

export interface IdentityRecord {
  readonly accountId: Uint8Array;
  readonly deviceId: Uint8Array;
  readonly displayName: string;
  readonly deviceList: Uint8Array;
  readonly deviceListVersion: number;
  readonly card: Uint8Array;
  readonly createdAt: number;
}

interface IdentityRow {
  account_id: Buffer;
  device_id: Buffer;
  display_name: string;
  device_list: Buffer;
  device_list_version: number;
  card: Buffer;
  created_at: number;
}

export class IdentityRepository {
  private readonly upsert;
  private readonly row;

  constructor(db: Db) {
    this.upsert = db.prepare(`
      INSERT INTO identity (singleton, account_id, account_public_key, device_id, display_name,
                            device_list, device_list_version, card, created_at)
      VALUES (1, @accountId, @accountId, @deviceId, @displayName, @deviceList, @deviceListVersion, @card, @createdAt)
      ON CONFLICT (singleton) DO UPDATE SET
        display_name = excluded.display_name, device_list = excluded.device_list,
        device_list_version = excluded.device_list_version, card = excluded.card`);
    this.row = db.prepare<[], IdentityRow>(
      'SELECT * FROM identity WHERE singleton = 1 AND device_list IS NOT NULL AND card IS NOT NULL',
    );
  }

  /** Creates the identity, or updates its name, device list and card (the ids never change). */
  put(identity: IdentityRecord): void {
    this.upsert.run(identity);
  }

  get(): IdentityRecord | undefined {
    const row = this.row.get();
    return row && {
      accountId: row.account_id,
      deviceId: row.device_id,
      displayName: row.display_name,
      deviceList: row.device_list,
      deviceListVersion: row.device_list_version,
      card: row.card,
      createdAt: row.created_at,
    };
  }
}
