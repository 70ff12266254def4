// A real encrypted database file in a temp directory with a random key: repository tests
// exercise SQLite itself, without the keychain (the integration tests cover that path).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from '../../../src/core/crypto/sodium.js';
import { openEncryptedDatabase, type Db } from '../../../src/core/store/database.js';
import { migrate } from '../../../src/core/store/migrate.js';
import { MIGRATIONS } from '../../../src/core/store/migrations/index.js';
import { Store } from '../../../src/core/store/store.js';

export interface TempStore {
  readonly store: Store;
  readonly db: Db;
  readonly path: string;
  readonly key: Buffer;
  dispose(): void;
}

export function openTempStore(): TempStore {
  const dir = mkdtempSync(join(tmpdir(), 'aegees-store-unit-'));
  const path = join(dir, 'test.db');
  const key = randomBytes(32);
  const db = openEncryptedDatabase(path, key, { mustExist: false });
  migrate(db, MIGRATIONS);
  const store = new Store(db);
  return {
    store,
    db,
    path,
    key,
    dispose: () => {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function id(length = 16): Buffer {
  return randomBytes(length);
}

/** A direct conversation with `peer`, who becomes an accepted contact if not one yet. */
export function directConversation(store: Store, peer: Buffer): Buffer {
  const conversationId = id(32);
  if (!store.contacts.get(peer)) {
    store.contacts.put({
      accountId: peer, accountPublicKey: id(32), displayName: 'Alice', state: 'accepted', verified: false,
      blocked: false, deviceList: null, deviceListVersion: 0, card: null, addedAt: 1, updatedAt: 1,
    });
  }
  store.conversations.create({ kind: 'direct', id: conversationId, peerAccountId: peer, createdAt: 1 });
  return conversationId;
}
