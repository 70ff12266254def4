import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UNREAD_COUNT_SQL } from '../../../src/core/store/conversations.js';
import { SEARCH_ALL_SQL, SEARCH_CONVERSATION_SQL, type NewMessage } from '../../../src/core/store/messages.js';
import type { Store } from '../../../src/core/store/store.js';
import { directConversation as openDirect, id, openTempStore, type TempStore } from './temp-store.js';

let temp: TempStore;
let store: Store;
const me = { account: id(32), device: id(32) };
const alice = { account: id(32), device: id(32) };

beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
});

afterEach(() => temp.dispose());

function directConversation(peer = alice.account): Buffer {
  return openDirect(store, peer);
}

function incoming(conversationId: Uint8Array, sentAt: number, body: string): NewMessage {
  return {
    id: id(), conversationId, senderAccountId: alice.account, senderDeviceId: alice.device,
    sentAt, receivedAt: sentAt + 5, body,
  };
}

describe('conversations and contacts', () => {
  it('creates direct and group conversations and lists them by activity', () => {
    const direct = directConversation();
    const group = id(32);
    store.conversations.create({
      kind: 'group', id: group, title: 'Climbing', createdAt: 2,
      members: [{ accountId: me.account, role: 'admin' }, { accountId: alice.account, role: 'member' }],
    });
    expect(store.conversations.get(direct)).toMatchObject({ kind: 'direct', peerAccountId: alice.account, sendRelayUrl: null });
    expect(store.conversations.get(group)?.memberAccountIds).toHaveLength(2);
    store.messages.receive(incoming(direct, 100, 'hi'));
    expect(store.conversations.list().map((c) => c.id)).toEqual([direct, group]);
    expect(store.conversations.setSendRelay(direct, 'https://relay.example')).toBe(true);
    expect(store.conversations.get(direct)?.sendRelayUrl).toBe('https://relay.example');
  });

  it('allows one direct conversation per contact and none with an unknown account', () => {
    directConversation();
    expect(() => directConversation()).toThrow(/UNIQUE/);
    expect(() => store.conversations.create({ kind: 'direct', id: id(32), peerAccountId: id(32), createdAt: 1 })).toThrow(/FOREIGN KEY/);
  });

  it('counts incoming messages after the read marker from an index, without reading message rows', () => {
    const direct = directConversation();
    const other = directConversation(id(32));
    store.messages.receive(incoming(direct, 100, 'read already'));
    store.conversations.markRead(direct);
    store.messages.receive(incoming(direct, 50, 'arrived late, sent early'));
    store.messages.receive(incoming(direct, 200, 'new'));
    store.messages.receive(incoming(other, 300, 'elsewhere'));
    store.messages.insertOutgoing({ ...incoming(direct, 400, 'mine'), senderAccountId: me.account, senderDeviceId: me.device, recipients: [] });
    expect(store.conversations.unreadCount(store.conversations.get(direct)!)).toBe(2);
    const plan = temp.db.prepare<[Buffer, number], { detail: string }>(`EXPLAIN QUERY PLAN ${UNREAD_COUNT_SQL}`).all(direct, 0);
    expect(plan.map((step) => step.detail)).toEqual([
      'SEARCH messages USING COVERING INDEX messages_unread (conversation_id=? AND outgoing=? AND seq>?)',
    ]);
  });

  it('keeps a contact\'s first added time across updates', () => {
    directConversation();
    const before = store.contacts.get(alice.account)!;
    store.contacts.put({ ...before, displayName: 'Alice B.', verified: true, addedAt: 999, updatedAt: 50 });
    expect(store.contacts.get(alice.account)).toMatchObject({ displayName: 'Alice B.', verified: true, addedAt: 1, updatedAt: 50 });
  });
});

describe('messages', () => {
  it('pages through a conversation newest first, each page oldest first', () => {
    const conversation = directConversation();
    const other = directConversation(id(32));
    for (let i = 0; i < 25; i++) store.messages.receive(incoming(conversation, 1000 + i, `message ${i}`));
    store.messages.receive(incoming(other, 5000, 'elsewhere'));
    // Two messages with the same sent time: seq breaks the tie, nothing is skipped.
    store.messages.receive(incoming(conversation, 1010, 'same time'));

    const bodies: string[][] = [];
    let before;
    do {
      const page = store.messages.page(conversation, { limit: 10, ...(before ? { before } : {}) });
      bodies.push(page.messages.map((m) => m.body));
      before = page.older ?? undefined;
    } while (before);
    expect(bodies.map((page) => page.length)).toEqual([10, 10, 6]);
    expect(bodies[0]!.at(-1)).toBe('message 24');
    expect(bodies.flat()).toHaveLength(26);
    expect(new Set(bodies.flat()).size).toBe(26);
    expect(bodies.flat()).not.toContain('elsewhere');
    expect(() => store.messages.page(conversation, { limit: 0 })).toThrow(/page size/);
  });

  it('stores a received message once, however many copies arrive', () => {
    const conversation = directConversation();
    const message = incoming(conversation, 10, 'only once');
    const first = store.messages.receive(message);
    expect(first.stored).toBe(true);
    expect(store.messages.receive(message)).toEqual({ stored: false });
    expect(store.messages.receive({ ...message, receivedAt: 99 })).toEqual({ stored: false });
    expect(store.seen.has(message.id)).toBe(true);
    expect(store.messages.page(conversation, { limit: 10 }).messages).toHaveLength(1);
    // Even after the seen ids were pruned, the message table still refuses the copy.
    expect(store.seen.pruneBefore(Number.MAX_SAFE_INTEGER)).toBe(1);
    expect(store.messages.receive(message)).toEqual({ stored: false });
  });

  it('keeps attachments and per-device delivery state of outgoing messages', () => {
    const conversation = directConversation();
    const key = id(32);
    const seq = store.messages.insertOutgoing({
      id: id(), conversationId: conversation, senderAccountId: me.account, senderDeviceId: me.device,
      sentAt: 10, receivedAt: 10, body: 'see attached',
      recipients: [{ accountId: alice.account, deviceId: alice.device }, { accountId: me.account, deviceId: id(32) }],
      attachments: [
        { blobId: id(32), relayUrls: ['https://a.example', 'https://b.example'], key, ciphertextHash: id(32), size: 1234, mime: 'image/png', name: 'cat.png', state: 'uploading' },
        { blobId: id(32), relayUrls: ['https://a.example'], key: id(32), ciphertextHash: id(32), size: 0, mime: 'text/plain', name: 'empty.txt', state: 'ready', localPath: 'attachments/x' },
      ],
    });
    const stored = store.messages.getBySeq(seq)!;
    expect(stored).toMatchObject({ outgoing: true, state: 'queued', body: 'see attached' });
    expect(stored.attachments.map((a) => [a.position, a.name, a.localPath])).toEqual([[0, 'cat.png', null], [1, 'empty.txt', 'attachments/x']]);
    expect(stored.attachments[0]!.key).toEqual(key);
    expect(stored.attachments[0]!.relayUrls).toEqual(['https://a.example', 'https://b.example']);
    expect(store.messages.recipients(seq).map((r) => r.state)).toEqual(['pending', 'pending']);
    expect(store.messages.setRecipientState(seq, alice.account, alice.device, 'delivered', 20)).toBe(true);
    expect(store.messages.setRecipientState(seq, alice.account, id(32), 'delivered', 20)).toBe(false);
    expect(store.messages.recipients(seq).find((r) => r.accountId.equals(alice.account))).toMatchObject({ state: 'delivered', updatedAt: 20 });
  });

  it('rolls a message back whole when one of its attachments is invalid', () => {
    const conversation = directConversation();
    const bad = {
      id: id(), conversationId: conversation, senderAccountId: me.account, senderDeviceId: me.device,
      sentAt: 10, receivedAt: 10, body: 'never half stored', recipients: [],
      attachments: [{ blobId: id(32), relayUrls: [], key: id(32), ciphertextHash: id(32), size: -1, mime: 'x/y', name: 'n', state: 'ready' as const }],
    };
    expect(() => store.messages.insertOutgoing(bad)).toThrow(/CHECK/);
    expect(store.messages.get(bad.id)).toBeUndefined();
    expect(store.messages.search('half', { limit: 10 })).toEqual([]);
  });
});

describe('full-text search', () => {
  it('finds messages by word prefixes, ignoring case and accents, newest first', () => {
    const conversation = directConversation();
    store.messages.receive(incoming(conversation, 1, 'Meeting at the Café on Tuesday'));
    store.messages.receive(incoming(conversation, 2, 'the cafe was closed'));
    store.messages.receive(incoming(conversation, 3, 'nothing to see'));
    const hits = store.messages.search('CAFE', { limit: 10 });
    expect(hits.map((h) => h.message.body)).toEqual(['the cafe was closed', 'Meeting at the Café on Tuesday']);
    expect(store.messages.search('meet tues', { limit: 10 }).map((h) => h.message.sentAt)).toEqual([1]);
    const snippet = store.messages.search('tuesday', { limit: 10 })[0]!.snippet;
    expect(snippet.matches.map(([s, e]) => snippet.text.slice(s, e))).toEqual(['Tuesday']);
  });

  it('reads matches in the index\'s own order and stops at the limit, sorting nothing', () => {
    for (const sql of [SEARCH_ALL_SQL, SEARCH_CONVERSATION_SQL]) {
      const plan = temp.db.prepare<[{ query: string; limit: number; conversationId: Buffer }], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all({ query: 'word', limit: 100, conversationId: id(32) }).map((step) => step.detail);
      expect(plan.some((detail) => detail.includes('TEMP B-TREE'))).toBe(false);
      expect(plan[0]).toMatch(/^SCAN messages_fts VIRTUAL TABLE/);
    }
  });

  it('treats FTS syntax in the query as plain words', () => {
    const conversation = directConversation();
    store.messages.receive(incoming(conversation, 1, 'he said "NEAR" OR not'));
    for (const query of ['"', 'NEAR(', 'body:near', '*', 'OR', '"near" or']) {
      expect(() => store.messages.search(query, { limit: 5 }), query).not.toThrow();
    }
    expect(store.messages.search('"near" or', { limit: 5 })).toHaveLength(1);
    expect(store.messages.search('   ', { limit: 5 })).toEqual([]);
  });

  it('limits a search to one conversation when asked', () => {
    const first = directConversation();
    const second = directConversation(id(32));
    store.messages.receive(incoming(first, 1, 'apples'));
    store.messages.receive(incoming(second, 2, 'apples again'));
    expect(store.messages.search('apples', { limit: 10, conversationId: second }).map((h) => h.message.body)).toEqual(['apples again']);
  });

  it('stays in step with edits and deletions', () => {
    const conversation = directConversation();
    const { seq } = store.messages.receive(incoming(conversation, 1, 'original wording')) as { seq: number };
    temp.db.prepare("UPDATE messages SET body = 'edited phrasing' WHERE seq = ?").run(seq);
    expect(store.messages.search('original', { limit: 5 })).toEqual([]);
    expect(store.messages.search('phrasing', { limit: 5 })).toHaveLength(1);
    temp.db.prepare('DELETE FROM conversations WHERE id = ?').run(conversation);
    expect(store.messages.search('phrasing', { limit: 5 })).toEqual([]);
    // FTS5 compares its index with the messages table and throws on any difference.
    expect(() => temp.db.prepare("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')").run()).not.toThrow();
  });
});

describe('outbox', () => {
  const mailbox = (): Buffer => id(32);

  it('hands out due deposits, retries failures later and forgets completed envelopes', () => {
    const conversation = directConversation();
    const seq = store.messages.insertOutgoing({
      id: id(), conversationId: conversation, senderAccountId: me.account, senderDeviceId: me.device,
      sentAt: 100, receivedAt: 100, body: 'queued while offline', recipients: [],
    });
    const msgId = store.messages.getBySeq(seq)!.id;
    const envelope = id(200);
    const [toA, toB] = store.outbox.enqueue({
      msgId, envelope, messageSeq: seq, createdAt: 100,
      deposits: [{ relayUrl: 'https://a.example', mailboxIds: [mailbox(), mailbox()] }, { relayUrl: 'https://b.example', mailboxIds: [mailbox()] }],
    });
    expect(store.outbox.due(99, 10)).toEqual([]);
    const due = store.outbox.due(100, 10);
    expect(due.map((d) => [d.id, d.relayUrl, d.mailboxIds.length, d.attempts])).toEqual([[toA, 'https://a.example', 2, 0], [toB, 'https://b.example', 1, 0]]);
    expect(due[0]!.envelope).toEqual(envelope);

    expect(store.outbox.retryLater(toA!, 500, 'connection refused')).toBe(true);
    expect(store.outbox.complete(toB!, 150)).toBe(true);
    expect(store.messages.getBySeq(seq)!.state).toBe('stored');
    expect(store.outbox.due(200, 10)).toEqual([]);
    expect(store.outbox.nextAttemptAt()).toBe(500);
    expect(store.outbox.due(500, 10).map((d) => [d.id, d.attempts])).toEqual([[toA, 1]]);

    expect(store.outbox.complete(toA!, 600)).toBe(true);
    expect(store.outbox.complete(toA!, 600)).toBe(false);
    expect(store.outbox.nextAttemptAt()).toBeNull();
    expect(temp.db.prepare('SELECT count(*) FROM outbox_envelopes').pluck().get()).toBe(0);
    expect(temp.db.prepare('SELECT relay_url FROM message_deposits WHERE message_seq = ? ORDER BY relay_url').pluck().all(seq))
      .toEqual(['https://a.example', 'https://b.example']);
  });

  it('carries envelopes without a chat message, and rejects malformed deposits', () => {
    const [deposit] = store.outbox.enqueue({ msgId: id(), envelope: id(50), createdAt: 1, deposits: [{ relayUrl: 'https://a.example', mailboxIds: [mailbox()] }] });
    expect(store.outbox.due(1, 10)[0]).toMatchObject({ id: deposit, messageSeq: null });
    expect(store.outbox.complete(deposit!, 2)).toBe(true);
    expect(() => store.outbox.enqueue({ msgId: id(), envelope: id(5), createdAt: 1, deposits: [] })).toThrow(/at least one relay/);
    expect(() => store.outbox.enqueue({ msgId: id(), envelope: id(5), createdAt: 1, deposits: [{ relayUrl: 'x', mailboxIds: [id(5)] }] })).toThrow(/mailbox ids/);
  });

  it('makes waiting deposits due at once when their relay is back, for that relay only', () => {
    const [toA, toB] = store.outbox.enqueue({
      msgId: id(), envelope: id(50), createdAt: 1,
      deposits: [{ relayUrl: 'https://a.example', mailboxIds: [mailbox()] }, { relayUrl: 'https://b.example', mailboxIds: [mailbox()] }],
    });
    store.outbox.retryLater(toA!, 5_000, 'down');
    store.outbox.retryLater(toB!, 9_000, 'down');
    expect(store.outbox.retryNow('https://a.example', 10)).toBe(1);
    expect(store.outbox.due(10, 10).map((d) => d.id)).toEqual([toA]);
    expect(store.outbox.retryNow(undefined, 20)).toBe(1);
    expect(store.outbox.due(20, 10).map((d) => d.id)).toEqual([toA, toB]);
  });

  it('gives up a refused deposit, and fails its message only when no relay holds or awaits it', () => {
    const conversation = directConversation();
    const message = (body: string) => {
      const seq = store.messages.insertOutgoing({
        id: id(), conversationId: conversation, senderAccountId: me.account, senderDeviceId: me.device,
        sentAt: 100, receivedAt: 100, body, recipients: [],
      });
      return { seq, msgId: store.messages.getBySeq(seq)!.id };
    };
    const lone = message('refused everywhere');
    const [only] = store.outbox.enqueue({ msgId: lone.msgId, envelope: id(50), messageSeq: lone.seq, createdAt: 100, deposits: [{ relayUrl: 'https://a.example', mailboxIds: [mailbox()] }] });
    expect(store.outbox.giveUp(only!, 'relay: envelope too large')).toBe(true);
    expect(store.messages.getBySeq(lone.seq)).toMatchObject({ state: 'failed', error: 'relay: envelope too large' });
    expect(temp.db.prepare('SELECT count(*) FROM outbox_envelopes WHERE msg_id = ?').pluck().get(lone.msgId)).toBe(0);

    const backed = message('refused by one relay');
    const [refused, waiting] = store.outbox.enqueue({
      msgId: backed.msgId, envelope: id(50), messageSeq: backed.seq, createdAt: 100,
      deposits: [{ relayUrl: 'https://a.example', mailboxIds: [mailbox()] }, { relayUrl: 'https://b.example', mailboxIds: [mailbox()] }],
    });
    store.outbox.giveUp(refused!, 'refused');
    expect(store.messages.getBySeq(backed.seq)!.state).toBe('queued');
    expect(store.outbox.complete(waiting!, 200)).toBe(true);
    expect(store.messages.getBySeq(backed.seq)!.state).toBe('stored');
    expect(store.outbox.giveUp(refused!, 'again')).toBe(false);
  });
});

describe('roster and seen ids', () => {
  it('pins a relay\'s identity key: adding it again changes nothing', () => {
    const key = id(32);
    expect(store.roster.add({ url: 'https://r.example', identityKey: key, source: 'user', inbox: false, addedAt: 1 })).toBe(true);
    expect(store.roster.add({ url: 'https://r.example', identityKey: id(32), source: 'default', inbox: true, addedAt: 2 })).toBe(false);
    expect(store.roster.get('https://r.example')).toMatchObject({ identityKey: key, source: 'user', inbox: false });
    expect(store.roster.setInbox('https://r.example', true)).toBe(true);
    expect(store.roster.list().map((r) => [r.url, r.inbox])).toEqual([['https://r.example', true]]);
    expect(() => store.roster.add({ url: 'https://s.example', identityKey: id(31), source: 'user', inbox: false, addedAt: 1 })).toThrow(/CHECK/);
    expect(store.roster.remove('https://r.example')).toBe(true);
    expect(store.roster.list()).toEqual([]);
  });

  it('checks and records envelope ids in one step, and prunes old ones', () => {
    const [old, recent] = [id(), id()];
    expect(store.seen.checkAndInsert(old, 10)).toBe(true);
    expect(store.seen.checkAndInsert(old, 11)).toBe(false);
    expect(store.seen.checkAndInsert(recent, 20)).toBe(true);
    expect(store.seen.pruneBefore(15)).toBe(1);
    expect(store.seen.has(old)).toBe(false);
    expect(store.seen.has(recent)).toBe(true);
  });
});

describe('transactions across repositories', () => {
  it('commit together or not at all', () => {
    const conversation = directConversation();
    const message = incoming(conversation, 1, 'all or nothing');
    expect(() => store.transaction(() => {
      store.messages.receive(message);
      store.roster.add({ url: 'https://r.example', identityKey: id(32), source: 'user', inbox: false, addedAt: 1 });
      throw new Error('abort');
    })).toThrow('abort');
    expect(store.messages.get(message.id)).toBeUndefined();
    expect(store.seen.has(message.id)).toBe(false);
    expect(store.roster.list()).toEqual([]);
  });
});
