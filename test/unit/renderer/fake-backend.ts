// A stand-in for the messenger engine, for renderer unit tests only: in-memory data behind
// the real contract. `inProcessApi` runs every call through the real dispatch (validation
// both ways) and every event through its schema, as the transports do.
import { EventEmitter } from 'node:events';
import { EVENTS, type AegeesApi, type ApiHandlers, type Contact, type Conversation, type Device, type Message, type ProfileStatus, type RelayInfo, type Settings } from '../../../src/common/api/contract.js';
import { dispatch } from '../../../src/common/api/dispatch.js';
import { fromApiError } from '../../../src/common/api/errors.js';
import { AegeesError } from '../../../src/common/errors.js';

const DAY = 86_400_000;
const ME = { accountId: 'acct-alice', displayName: 'Alice Martin', deviceId: 'dev-laptop', deviceName: 'Laptop' };

type StoredFile = { name: string; mime: string; data: Uint8Array<ArrayBuffer> };

export interface FakeBackend {
  handlers: ApiHandlers;
  events: EventEmitter;
  calls: { method: string; args: unknown }[];
  state: {
    profile: ProfileStatus;
    conversations: Conversation[];
    messages: Map<string, Message[]>;
    contacts: Contact[];
    relays: RelayInfo[];
    devices: Device[];
    settings: Settings;
    attachments: Map<string, StoredFile>;
  };
}

export function createFakeBackend(options: { profile?: ProfileStatus; now?: number; bulkMessages?: number; attachmentBytes?: (name: string) => Uint8Array<ArrayBuffer> } = {}): FakeBackend {
  const now = options.now ?? Date.now();
  const events = new EventEmitter();
  const calls: FakeBackend['calls'] = [];
  const relays: RelayInfo[] = [
    { url: 'https://relay-eu.aegees.example', identityKey: hex(1), source: 'default', status: 'connected', latencyMs: 38, keyVerified: true },
    { url: 'https://relay-us.aegees.example', identityKey: hex(2), source: 'default', status: 'connected', latencyMs: 112, keyVerified: true },
    { url: 'https://relay.home.example:8443', identityKey: hex(3), source: 'user', status: 'connecting', latencyMs: null, keyVerified: false },
    { url: 'https://old-relay.example', identityKey: hex(4), source: 'default', status: 'down', latencyMs: null, keyVerified: true, lastError: 'connection refused' },
  ];
  const contacts: Contact[] = [
    { accountId: 'acct-bob', displayName: 'Bob Okafor', state: 'accepted', verified: true, deviceCount: 2 },
    { accountId: 'acct-dave', displayName: 'Dave Lindqvist', state: 'accepted', verified: false, deviceCount: 1 },
    { accountId: 'acct-carol', displayName: 'Carol Nguyen', state: 'request-received', verified: false, deviceCount: 1 },
    { accountId: 'acct-erin', displayName: 'Erin Walsh', state: 'request-sent', verified: false, deviceCount: 0 },
  ];
  const messages = new Map<string, Message[]>();
  const attachments = new Map<string, StoredFile>();
  const bob = scriptedConversation(now, attachments, options.attachmentBytes);
  messages.set('conv-bob', bob);
  messages.set('conv-atlas', groupConversation(now));
  messages.set('conv-bulk', bulkConversation(now, options.bulkMessages ?? 0));
  const conversations: Conversation[] = [
    conversation('conv-bob', 'direct', 'Bob Okafor', ['acct-bob'], 2, bob, null),
    conversation('conv-atlas', 'group', 'Project Atlas', [ME.accountId, 'acct-bob', 'acct-dave'], 0, messages.get('conv-atlas')!, 'https://relay-eu.aegees.example'),
    conversation('conv-bulk', 'direct', 'Dave Lindqvist', ['acct-dave'], 0, messages.get('conv-bulk')!, null),
  ];
  const state: FakeBackend['state'] = {
    profile: options.profile ?? { kind: 'ready', me: ME },
    conversations,
    messages,
    contacts,
    relays,
    devices: [
      { deviceId: 'dev-laptop', name: 'Laptop', current: true, linkedAt: now - 90 * DAY },
      { deviceId: 'dev-phone', name: 'Phone', current: false, linkedAt: now - 30 * DAY },
    ],
    settings: { theme: 'light', notificationPreviews: true, redundancy: 2 },
    attachments,
  };

  const findConversation = (id: string) => state.conversations.find((c) => c.id === id) ?? notFound('conversation');
  const findContact = (id: string) => state.contacts.find((c) => c.accountId === id) ?? notFound('contact');
  const emitConversation = (c: Conversation) => events.emit('conversationUpdated', c);

  const handlers: ApiHandlers = {
    getProfileStatus: async () => state.profile,
    createAccount: async ({ displayName }) => {
      const me = { ...ME, displayName };
      state.profile = { kind: 'ready', me };
      events.emit('profileChanged', state.profile);
      return me;
    },
    getInvite: async () => ({ code: 'AEGEES1-' + 'Q2FyZCBmb3IgQWxpY2UgTWFydGluOiBwdWJsaWMga2V5cyBvbmx5'.repeat(3) }),
    addContact: async () => {
      const contact: Contact = { accountId: 'acct-new', displayName: 'Frank Idowu', state: 'request-sent', verified: false, deviceCount: 1 };
      state.contacts = [...state.contacts, contact];
      return contact;
    },
    acceptContact: async ({ accountId }) => {
      const contact = { ...findContact(accountId), state: 'accepted' as const };
      state.contacts = state.contacts.map((c) => (c.accountId === accountId ? contact : c));
      events.emit('contactsChanged', state.contacts);
      return contact;
    },
    listContacts: async () => state.contacts,
    getSafetyNumber: async ({ accountId }) => ({ digits: '052931849275610394857201948375610298374650192837465019', verified: findContact(accountId).verified }),
    setContactVerified: async ({ accountId, verified }) => {
      const contact = { ...findContact(accountId), verified };
      state.contacts = state.contacts.map((c) => (c.accountId === accountId ? contact : c));
      return contact;
    },
    listConversations: async () => state.conversations,
    openDirectConversation: async ({ accountId }) => state.conversations.find((c) => c.kind === 'direct' && c.memberAccountIds[0] === accountId) ?? notFound('conversation'),
    createGroup: async ({ title, memberAccountIds }) => {
      const group = conversation(`conv-group-${state.conversations.length}`, 'group', title, [ME.accountId, ...memberAccountIds], 0, [], null);
      state.conversations = [...state.conversations, group];
      state.messages.set(group.id, []);
      emitConversation(group);
      return group;
    },
    addGroupMember: async ({ conversationId, accountId }) => {
      const group = { ...findConversation(conversationId), memberAccountIds: [...findConversation(conversationId).memberAccountIds, findContact(accountId).accountId] };
      state.conversations = state.conversations.map((c) => (c.id === conversationId ? group : c));
      emitConversation(group);
      return group;
    },
    removeGroupMember: async ({ conversationId, accountId }) => {
      const current = findConversation(conversationId);
      const group = { ...current, memberAccountIds: current.memberAccountIds.filter((id) => id !== accountId) };
      state.conversations = state.conversations.map((c) => (c.id === conversationId ? group : c));
      emitConversation(group);
      return group;
    },
    listMessages: async ({ conversationId, before, after, limit }) => {
      const all = state.messages.get(conversationId) ?? [];
      if (after) {
        const from = all.findIndex((m) => m.id === after);
        if (from < 0) return notFound('message');
        const stop = Math.min(all.length, from + 1 + limit);
        return { messages: all.slice(from + 1, stop), hasMore: stop < all.length };
      }
      const end = before ? all.findIndex((m) => m.id === before) : all.length;
      const stop = end < 0 ? 0 : end;
      const start = Math.max(0, stop - limit);
      return { messages: all.slice(start, stop), hasMore: start > 0 };
    },
    sendMessage: async ({ conversationId, text, attachments: files }) => {
      const list = state.messages.get(conversationId) ?? [];
      const sentAt = now + list.length;
      const message: Message = {
        id: `sent-${list.length}`,
        conversationId,
        senderAccountId: ME.accountId,
        senderName: ME.displayName,
        fromMe: true,
        sentAt,
        receivedAt: sentAt,
        text,
        attachments: files.map((file, index) => {
          const id = `up-${list.length}-${index}`;
          attachments.set(id, { name: file.name, mime: file.mime, data: file.data });
          return { id, name: file.name, mime: file.mime, size: file.data.length, state: 'uploading' as const, transferred: 0 };
        }),
        status: { state: 'queued', storedOn: [], deliveredTo: [], readBy: [] },
      };
      state.messages.set(conversationId, [...list, message]);
      return message;
    },
    markRead: async ({ conversationId }) => {
      const updated = { ...findConversation(conversationId), unreadCount: 0 };
      state.conversations = state.conversations.map((c) => (c.id === conversationId ? updated : c));
      emitConversation(updated);
      return { ok: true as const };
    },
    getAttachmentData: async ({ attachmentId }) => attachments.get(attachmentId) ?? notFound('attachment'),
    search: async ({ query }) => {
      const hits = [];
      for (const c of state.conversations) {
        for (const m of state.messages.get(c.id) ?? []) {
          const at = m.text.toLowerCase().indexOf(query.toLowerCase());
          if (at >= 0) hits.push({ messageId: m.id, conversationId: c.id, conversationTitle: c.title, snippet: m.text, matches: [[at, at + query.length] as [number, number]], sentAt: m.sentAt });
        }
      }
      return hits.slice(0, 100);
    },
    listRelays: async () => state.relays,
    addRelay: async ({ url, identityKey }) => {
      const relay: RelayInfo = { url, identityKey, source: 'user', status: 'connecting', latencyMs: null, keyVerified: false };
      state.relays = [...state.relays, relay];
      events.emit('relaysChanged', state.relays);
      return relay;
    },
    removeRelay: async ({ url }) => {
      state.relays = state.relays.filter((r) => r.url !== url);
      events.emit('relaysChanged', state.relays);
      return { ok: true as const };
    },
    setConversationRelay: async ({ conversationId, relayUrl }) => {
      const updated = { ...findConversation(conversationId), sendRelay: relayUrl };
      state.conversations = state.conversations.map((c) => (c.id === conversationId ? updated : c));
      emitConversation(updated);
      return updated;
    },
    listDevices: async () => state.devices,
    beginDeviceLink: async () => {
      state.profile = { kind: 'linking', code: 'LINK-7QF3-K9PA-22XD' };
      events.emit('profileChanged', state.profile);
      return { code: 'LINK-7QF3-K9PA-22XD' };
    },
    approveDeviceLink: async () => {
      const device: Device = { deviceId: 'dev-new', name: 'Desktop', current: false, linkedAt: now };
      state.devices = [...state.devices, device];
      events.emit('devicesChanged', state.devices);
      return device;
    },
    revokeDevice: async ({ deviceId }) => {
      state.devices = state.devices.filter((d) => d.deviceId !== deviceId);
      events.emit('devicesChanged', state.devices);
      return { ok: true as const };
    },
    exportBackup: async ({ path }) => ({ path, bytes: 18_432_000 }),
    importBackup: async () => {
      if (state.profile.kind === 'ready') return state.profile.me;
      throw new AegeesError('WRONG_PASSPHRASE', 'the backup did not open with that passphrase');
    },
    getSettings: async () => state.settings,
    updateSettings: async (patch) => (state.settings = { ...state.settings, ...patch }),
    openExternalLink: async () => ({ ok: true as const }),
  };

  const recorded = new Proxy(handlers, {
    get(target, name: string) {
      const handler = target[name as keyof ApiHandlers] as (args: unknown) => Promise<unknown>;
      return async (args: unknown) => {
        calls.push({ method: name, args });
        return handler(args);
      };
    },
  });
  return { handlers: recorded, events, calls, state };
}

/** The renderer's view of a backend without a transport in between: dispatch and event schemas, as both real transports apply them. */
export function inProcessApi(backend: Pick<FakeBackend, 'handlers' | 'events'>): AegeesApi {
  return {
    async call(method, args) {
      const outcome = await dispatch(backend.handlers, method, args);
      if (!outcome.ok) throw fromApiError(outcome.error);
      return outcome.result as never;
    },
    on(event, listener) {
      const relay = (payload: unknown) => {
        const parsed = EVENTS[event].safeParse(payload);
        if (parsed.success) listener(parsed.data as never);
      };
      backend.events.on(event, relay);
      return () => void backend.events.off(event, relay);
    },
  };
}

function notFound(what: string): never {
  throw new AegeesError('NOT_FOUND', `no such ${what}`);
}

function hex(seed: number): string {
  return Array.from({ length: 32 }, (_, i) => ((seed * 37 + i * 11) % 256).toString(16).padStart(2, '0')).join('');
}

function conversation(id: string, kind: Conversation['kind'], title: string, members: string[], unread: number, list: Message[], sendRelay: string | null): Conversation {
  const last = list[list.length - 1];
  return {
    id,
    kind,
    title,
    memberAccountIds: members,
    strangerNames: {},
    unreadCount: unread,
    lastMessage: last ? { preview: last.text.slice(0, 80) || last.attachments[0]?.name || '', sentAt: last.sentAt, fromMe: last.fromMe } : null,
    lastActivityAt: last?.sentAt ?? 0,
    sendRelay,
  };
}

const EU = 'https://relay-eu.aegees.example';
const US = 'https://relay-us.aegees.example';

function msg(id: string, conversationId: string, sentAt: number, fromMe: boolean, text: string, status: Message['status']['state'], extra: Partial<Message> = {}): Message {
  const storedOn = status === 'queued' || status === 'received' ? [] : [EU, US];
  return {
    id,
    conversationId,
    senderAccountId: fromMe ? ME.accountId : 'acct-bob',
    senderName: fromMe ? ME.displayName : 'Bob Okafor',
    fromMe,
    sentAt,
    receivedAt: sentAt + 900,
    text,
    attachments: [],
    status: {
      state: status,
      storedOn,
      deliveredTo: status === 'delivered' || status === 'read' ? [{ accountId: 'acct-bob', at: sentAt + 2000 }] : [],
      readBy: status === 'read' ? [{ accountId: 'acct-bob', at: sentAt + 60_000 }] : [],
    },
    ...extra,
  };
}

function scriptedConversation(now: number, attachments: FakeBackend['state']['attachments'], bytes?: (name: string) => Uint8Array<ArrayBuffer>): Message[] {
  const c = 'conv-bob';
  attachments.set('att-photo', { name: 'harbour.png', mime: 'image/png', data: bytes?.('harbour.png') ?? new Uint8Array([137, 80, 78, 71]) });
  attachments.set('att-notes', { name: 'meeting-notes.txt', mime: 'text/plain', data: new TextEncoder().encode('Agenda\n1. Relays\n2. Backups\n') });
  return [
    msg('m1', c, now - 2 * DAY - 3_600_000, false, 'Hi Alice! Did the new relay come up?', 'received'),
    msg('m2', c, now - 2 * DAY - 3_500_000, true, 'Yes, it is running at home now. Latency is fine.', 'read'),
    msg('m3', c, now - DAY - 7_200_000, false, 'Photo from the harbour this morning', 'received', {
      attachments: [{ id: 'att-photo', name: 'harbour.png', mime: 'image/png', size: 48_213, state: 'ready', transferred: 48_213 }],
    }),
    msg('m4', c, now - DAY - 7_000_000, true, 'Beautiful! Notes from the meeting attached.', 'delivered', {
      attachments: [{ id: 'att-notes', name: 'meeting-notes.txt', mime: 'text/plain', size: 29, state: 'ready', transferred: 29 }],
    }),
    msg('m5', c, now - 3_600_000, false, 'The design doc is at https://docs.example.org/aegees/relays?rev=4 — have a look.', 'received'),
    msg('m6', c, now - 3_000_000, true, '<script>alert("this stays text")</script> <img src=x onerror=alert(1)>', 'stored'),
    msg('m7', c, now - 600_000, true, 'Sending the big video now', 'stored', {
      attachments: [{ id: 'att-video', name: 'relay-demo.mp4', mime: 'video/mp4', size: 73_400_320, state: 'uploading', transferred: 31_457_280 }],
    }),
    msg('m8', c, now - 60_000, true, 'On my way — see you at six.\nBring the backup drive.', 'queued'),
  ];
}

function groupConversation(now: number): Message[] {
  return [msg('g1', 'conv-atlas', now - 5 * DAY, false, 'Kick-off notes are in the shared folder.', 'received')];
}

function bulkConversation(now: number, count: number): Message[] {
  const start = now - count * 60_000;
  return Array.from({ length: count }, (_, i) => msg(`b${i}`, 'conv-bulk', start + i * 60_000, i % 3 === 0, `Message number ${i}`, i % 3 === 0 ? 'read' : 'received'));
}
