// The adapter's mapping from engine views to the API contract: every result is checked
// against the contract's own schema, the way the transports check it.
import { describe, expect, it } from 'vitest';
import { Contact, Conversation, Device, EVENTS, Message, RelayInfo, SearchHit } from '../../../src/common/api/contract.js';
import { idBytes, outgoingState, previewOf, toContact, toConversation, toDevice, toMessage, toRelayInfo, toSearchHit, type Naming } from '../../../src/core/messenger/api.js';
import { progressReporter } from '../../../src/core/messenger/progress.js';
import type { ConversationView, MessageView, RelayView } from '../../../src/core/messenger/messenger.js';
import type { AttachmentRecord, StoredMessage } from '../../../src/core/store/messages.js';
import { expectCode, makeAccount } from '../crypto/helpers.js';

const me = Buffer.alloc(32, 0xaa);
const bob = Buffer.alloc(32, 0xbb);
const carol = Buffer.alloc(32, 0xcc);
const conversationId = Buffer.alloc(32, 0x01);

function attachment(overrides: Partial<AttachmentRecord> = {}): AttachmentRecord {
  return {
    id: 7,
    position: 0,
    blobId: Buffer.alloc(32, 2),
    relayUrls: ['https://relay.example'],
    key: Buffer.alloc(32, 3),
    ciphertextHash: Buffer.alloc(32, 4),
    size: 1234,
    mime: 'image/png',
    name: 'photo.png',
    state: 'ready',
    localPath: 'attachments/x',
    ...overrides,
  };
}

function stored(overrides: Partial<StoredMessage> = {}): StoredMessage {
  return {
    seq: 1,
    id: Buffer.alloc(16, 9),
    conversationId,
    senderAccountId: me,
    senderDeviceId: Buffer.alloc(32, 5),
    outgoing: true,
    sentAt: 1_700_000_000_000,
    receivedAt: 1_700_000_000_001,
    body: 'hello',
    replyTo: null,
    state: 'queued',
    error: null,
    attachments: [],
    ...overrides,
  };
}

function view(overrides: Partial<MessageView> = {}): MessageView {
  return { ...stored(), recipientAccounts: 2, storedOn: [], deliveredTo: [], readBy: [], ...overrides };
}

const context: Naming = {
  myAccountId: me,
  myName: 'Me',
  contactName: (account) => (account === bob.toString('hex') ? 'Bob' : undefined),
  cardName: (account) => (account === carol.toString('hex') ? 'Carol' : undefined),
};
const dave = Buffer.alloc(32, 0xdd);

describe('message state of what I sent', () => {
  it('moves from queued to stored, delivered and read as the views say', () => {
    expect(outgoingState(view())).toBe('queued');
    expect(outgoingState(view({ storedOn: ['https://relay.example'] }))).toBe('stored');
    expect(outgoingState(view({ state: 'stored' }))).toBe('stored');
    expect(outgoingState(view({ storedOn: ['https://r'], deliveredTo: [{ accountId: bob, at: 1 }, { accountId: carol, at: 2 }] }))).toBe('delivered');
    const everyone = [{ accountId: bob, at: 1 }, { accountId: carol, at: 2 }];
    expect(outgoingState(view({ deliveredTo: everyone, readBy: everyone }))).toBe('read');
    expect(outgoingState(view({ state: 'failed', readBy: everyone }))).toBe('failed');
  });

  it('says delivered and read for a group only once every member has it', () => {
    const one = [{ accountId: bob, at: 1 }];
    expect(outgoingState(view({ storedOn: ['https://r'], deliveredTo: one }))).toBe('stored');
    expect(outgoingState(view({ storedOn: ['https://r'], deliveredTo: [...one, { accountId: carol, at: 3 }], readBy: one }))).toBe('delivered');
  });
});

describe('toMessage', () => {
  it('gives hex ids, names and contract attachments for an outgoing message', () => {
    const message = toMessage(
      view({ recipientAccounts: 1, storedOn: ['https://relay.example'], deliveredTo: [{ accountId: bob, at: 5 }], attachments: [attachment()] }),
      context,
    );
    expect(Message.parse(message)).toEqual(message);
    expect(message).toMatchObject({
      id: '09'.repeat(16),
      conversationId: '01'.repeat(32),
      senderAccountId: 'aa'.repeat(32),
      senderName: 'Me',
      fromMe: true,
      text: 'hello',
      status: { state: 'delivered', storedOn: ['https://relay.example'], deliveredTo: [{ accountId: 'bb'.repeat(32), at: 5 }], readBy: [] },
    });
    expect(message.attachments).toEqual([{ id: '7', name: 'photo.png', mime: 'image/png', size: 1234, state: 'ready', transferred: 1234 }]);
  });

  it('marks an incoming message received, names its sender, and counts no bytes of a transfer in flight', () => {
    const message = toMessage(view({ outgoing: false, senderAccountId: bob, attachments: [attachment({ state: 'downloading' })] }), context);
    expect(message.fromMe).toBe(false);
    expect(message.senderName).toBe('Bob');
    expect(message.status.state).toBe('received');
    expect(message.attachments[0]).toMatchObject({ state: 'downloading', transferred: 0 });
  });

  it('names a sender who is not a contact by their card and the start of their account id, and passes a failure on', () => {
    expect(toMessage(view({ outgoing: false, senderAccountId: carol }), context).senderName).toBe(`Carol (${'cc'.repeat(6)})`);
    // No card either (never happens for a message that verified, but the name must not be empty).
    expect(toMessage(view({ outgoing: false, senderAccountId: dave }), context).senderName).toBe('dd'.repeat(6));
    expect(toMessage(view({ state: 'failed', error: 'relay refused' }), context).status).toMatchObject({ state: 'failed', error: 'relay refused' });
  });
});

describe('toConversation', () => {
  function conversation(overrides: Partial<ConversationView> = {}): ConversationView {
    return {
      id: conversationId,
      kind: 'direct',
      peerAccountId: bob,
      title: 'Bob',
      sendRelayUrl: null,
      createdAt: 1,
      lastActivityAt: 2,
      lastReadSeq: 0,
      archived: false,
      memberAccountIds: [bob],
      groupVersion: 0,
      unreadCount: 3,
      lastMessage: undefined,
      ...overrides,
    };
  }

  it('maps ids, unread count, relay choice and an empty history', () => {
    const result = toConversation(conversation({ sendRelayUrl: 'https://relay.example' }), context);
    expect(Conversation.parse(result)).toEqual(result);
    expect(result).toEqual({
      id: '01'.repeat(32),
      kind: 'direct',
      title: 'Bob',
      memberAccountIds: ['bb'.repeat(32)],
      strangerNames: {},
      unreadCount: 3,
      lastMessage: null,
      lastActivityAt: 2,
      sendRelay: 'https://relay.example',
    });
  });

  it('names the members who are not contacts, and only them', () => {
    const group = toConversation(conversation({ kind: 'group', peerAccountId: null, title: 'Trip', memberAccountIds: [me, bob, carol, dave] }), context);
    expect(group.strangerNames).toEqual({ ['cc'.repeat(32)]: `Carol (${'cc'.repeat(6)})`, ['dd'.repeat(32)]: 'dd'.repeat(6) });
  });

  it('previews the last message, or its files when it has no text', () => {
    expect(toConversation(conversation({ lastMessage: stored({ body: '  two\n lines ' }) }), context).lastMessage).toEqual({ preview: 'two lines', sentAt: 1_700_000_000_000, fromMe: true });
    expect(toConversation(conversation({ lastMessage: stored({ outgoing: false, senderAccountId: bob, body: '', attachments: [attachment()] }) }), context).lastMessage).toMatchObject({
      preview: 'File: photo.png',
      fromMe: false,
    });
    expect(previewOf('', [attachment(), attachment()])).toBe('2 files');
    expect(previewOf('x'.repeat(500), [])).toHaveLength(140);
  });
});

describe('toContact', () => {
  it('counts the devices of the signed list from the contact card', () => {
    const account = makeAccount(3);
    const record = {
      accountId: account.account.accountId,
      accountPublicKey: account.account.accountId,
      displayName: 'Bob',
      state: 'accepted' as const,
      verified: true,
      blocked: false,
      deviceList: account.listBytes,
      deviceListVersion: 1,
      card: null,
      addedAt: 1,
      updatedAt: 2,
    };
    const contact = toContact(record);
    expect(Contact.parse(contact)).toEqual(contact);
    expect(contact).toEqual({ accountId: Buffer.from(account.account.accountId).toString('hex'), displayName: 'Bob', state: 'accepted', verified: true, deviceCount: 3 });
    expect(toContact({ ...record, deviceList: null }).deviceCount).toBe(0);
  });
});

describe('toRelayInfo and toSearchHit', () => {
  it('gives the relay key as hex and leaves out an absent error', () => {
    const relay: RelayView = { url: 'http://127.0.0.1:8787', status: 'down', latencyMs: 12.5, keyVerified: true, identityKey: Buffer.alloc(32, 0xab), source: 'user', inbox: true };
    const info = toRelayInfo(relay);
    expect(RelayInfo.parse(info)).toEqual(info);
    expect(info).toEqual({ url: 'http://127.0.0.1:8787', identityKey: 'ab'.repeat(32), source: 'user', status: 'down', latencyMs: 12.5, keyVerified: true });
    expect(toRelayInfo({ ...relay, lastError: 'refused' }).lastError).toBe('refused');
  });

  it('carries the snippet and its match ranges', () => {
    const hit = toSearchHit({ message: stored(), snippet: { text: '…the meeting at noon', matches: [[5, 12]] } }, 'Bob');
    expect(SearchHit.parse(hit)).toEqual(hit);
    expect(hit).toEqual({ messageId: '09'.repeat(16), conversationId: '01'.repeat(32), conversationTitle: 'Bob', snippet: '…the meeting at noon', matches: [[5, 12]], sentAt: 1_700_000_000_000 });
  });
});

describe('idBytes', () => {
  it('accepts hex of whole bytes and refuses anything else', () => {
    expect(idBytes('0aFF', 'id')).toEqual(Buffer.from([0x0a, 0xff]));
    for (const bad of ['abc', 'zz', 'AQID', '']) expectCode(() => idBytes(bad, 'id'), 'INVALID_ARGUMENT');
  });
});

describe('toDevice', () => {
  it('names a device by its certificate label', () => {
    const device = toDevice({ deviceId: Buffer.alloc(32, 0x0d), label: 'Laptop', current: false, linkedAt: 42 });
    expect(Device.parse(device)).toEqual(device);
    expect(device).toEqual({ deviceId: '0d'.repeat(32), name: 'Laptop', current: false, linkedAt: 42 });
  });
});

describe('progressReporter', () => {
  it('reports each whole percent once, and always the end', () => {
    const reports: unknown[] = [];
    const report = progressReporter('backup-export', (progress) => reports.push(EVENTS.progress.parse(progress)));
    for (let done = 0; done <= 1000; done += 1) report(done, 1000);
    expect(reports).toHaveLength(101);
    expect(reports.at(-1)).toEqual({ operation: 'backup-export', id: 'backup-export', done: 1000, total: 1000 });
    const empty: unknown[] = [];
    progressReporter('backup-import', (progress) => empty.push(progress))(0, 0);
    expect(empty).toEqual([{ operation: 'backup-import', id: 'backup-import', done: 0, total: 0 }]);
  });

  it('reports an attachment transfer under its own id', () => {
    const reports: unknown[] = [];
    const report = progressReporter('attachment-upload', (progress) => reports.push(EVENTS.progress.parse(progress)), '17');
    report(5, 1000);
    report(6, 1000);
    report(1000, 1000);
    expect(reports).toEqual([
      { operation: 'attachment-upload', id: '17', done: 5, total: 1000 },
      { operation: 'attachment-upload', id: '17', done: 1000, total: 1000 },
    ]);
  });
});
