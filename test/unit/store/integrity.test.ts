// Damage to any page of the database file is reported as a typed error, and looking at a
// damaged file never changes it.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAegeesError } from '../../../src/common/errors.js';
import { openEncryptedDatabase } from '../../../src/core/store/database.js';
import { Store } from '../../../src/core/store/store.js';
import { id, openTempStore } from './temp-store.js';

const PAGE_BYTES = 4096;

function openAndVerify(path: string, key: Buffer): string | undefined {
  try {
    const store = new Store(openEncryptedDatabase(path, key, { mustExist: true }));
    try {
      store.verifyIntegrity();
    } finally {
      store.close();
    }
  } catch (error) {
    if (isAegeesError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('a damaged database file', () => {
  it('reports page 1 as STORE_WRONG_KEY and every other page as STORE_CORRUPT, changing nothing', () => {
    const temp = openTempStore();
    try {
      const conversation = id(32);
      temp.store.roster.add({ url: 'https://r.example', identityKey: id(32), source: 'user', inbox: true, addedAt: 1 });
      temp.store.contacts.put({
        accountId: id(32), accountPublicKey: id(32), displayName: 'C', state: 'accepted', verified: false,
        blocked: false, deviceList: null, deviceListVersion: 0, card: null, addedAt: 1, updatedAt: 1,
      });
      temp.store.conversations.create({ kind: 'group', id: conversation, title: 'g', members: [], createdAt: 1 });
      for (let i = 0; i < 50; i++) {
        temp.store.messages.receive({
          id: id(), conversationId: conversation, senderAccountId: id(32), senderDeviceId: id(32),
          sentAt: i, receivedAt: i, body: `message ${i} `.repeat(20),
        });
      }
      temp.store.verifyIntegrity();
      // Pages on the free list hold no data and are never read; leave none.
      temp.db.exec('VACUUM');
      expect(temp.db.pragma('freelist_count', { simple: true })).toBe(0);
      temp.store.close();
      const good = readFileSync(temp.path);
      expect(openAndVerify(temp.path, temp.key)).toBeUndefined();

      const pages = good.length / PAGE_BYTES;
      const codes: Array<string | undefined> = [];
      for (let page = 0; page < pages; page++) {
        const damaged = Buffer.from(good);
        damaged[page * PAGE_BYTES + 200]! ^= 0x40;
        writeFileSync(temp.path, damaged);
        codes.push(openAndVerify(temp.path, temp.key));
        expect(readFileSync(temp.path).equals(damaged), `page ${page + 1} untouched`).toBe(true);
      }
      expect(codes[0]).toBe('STORE_WRONG_KEY');
      expect(codes.slice(1)).toEqual(Array(pages - 1).fill('STORE_CORRUPT'));
    } finally {
      temp.dispose();
    }
  });
});
