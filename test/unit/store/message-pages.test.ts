import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageCursor } from '../../../src/core/store/messages.js';
import type { Store } from '../../../src/core/store/store.js';
import { directConversation, id, openTempStore, type TempStore } from './temp-store.js';

let temp: TempStore;
let store: Store;
const alice = { account: id(32), device: id(32) };

beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
});

afterEach(() => temp.dispose());

function receive(conversationId: Uint8Array, sentAt: number, body: string): void {
  store.messages.receive({ id: id(), conversationId, senderAccountId: alice.account, senderDeviceId: alice.device, sentAt, receivedAt: sentAt + 5, body });
}

describe('message pages after a cursor', () => {
  it('pages from any point towards the newest, each page oldest first, and back again', () => {
    const conversation = directConversation(store, alice.account);
    for (let i = 0; i < 25; i++) receive(conversation, 1000 + i, `message ${i}`);
    // Same sent time as message 10: seq orders them, so neither direction skips one.
    receive(conversation, 1010, 'same time');
    receive(directConversation(store, id(32)), 1005, 'elsewhere');

    const bodies: string[] = [];
    let after: MessageCursor | undefined = { sentAt: 1002, seq: Number.MAX_SAFE_INTEGER };
    while (after) {
      const page = store.messages.page(conversation, { limit: 10, after });
      bodies.push(...page.messages.map((m) => m.body));
      after = page.newer ?? undefined;
    }
    expect(bodies).toHaveLength(23);
    expect(bodies.slice(0, 9)).toEqual([3, 4, 5, 6, 7, 8, 9, 10].map((i) => `message ${i}`).concat('same time'));
    expect(bodies.at(-1)).toBe('message 24');
    expect(bodies).not.toContain('elsewhere');

    // Each page names the cursor that leads back the other way.
    const first = store.messages.page(conversation, { limit: 5, after: { sentAt: 1015, seq: Number.MAX_SAFE_INTEGER } });
    const back = store.messages.page(conversation, { limit: 3, before: first.older! });
    expect(back.messages.map((m) => m.body)).toEqual(['message 13', 'message 14', 'message 15']);
    expect(store.messages.page(conversation, { limit: 3, after: back.newer! }).messages.map((m) => m.body)).toEqual(['message 16', 'message 17', 'message 18']);
  });

  it('says where no page follows, and refuses both directions at once', () => {
    const conversation = directConversation(store, alice.account);
    for (let i = 0; i < 3; i++) receive(conversation, 1000 + i, `message ${i}`);
    const newest = store.messages.page(conversation, { limit: 10 });
    expect(newest).toMatchObject({ older: null, newer: null });
    const end = { sentAt: 1002, seq: newest.messages[2]!.seq };
    expect(store.messages.page(conversation, { limit: 10, after: end })).toMatchObject({ messages: [], newer: null, older: end });
    expect(() => store.messages.page(conversation, { limit: 10, before: end, after: end })).toThrow(/either before or after/);
  });
});
