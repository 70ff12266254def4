// The API contract (src/common/api/contract.ts) on top of the messenger engine: handlers
// for every method and an event source with contract payloads. Bytes become lowercase hex
// ids here, and only here; the transports validate every result against the contract.
import { EventEmitter } from 'node:events';
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import type {
  AccountSummary,
  ApiHandlers,
  AttachmentInfo,
  Contact,
  Conversation,
  Device,
  EventName,
  EventPayload,
  Message,
  MessageStatus,
  ProfileStatus,
  RelayInfo,
  SearchHit,
} from '../../common/api/contract.js';
import type { ApiEventSource } from '../../common/api/transport.js';
import { AegeesError } from '../../common/errors.js';
import { decodeDeviceList } from '../../common/protocol/device-list.js';
import type { ContactRecord } from '../store/contacts.js';
import type { AttachmentRecord, SearchHit as StoreSearchHit } from '../store/messages.js';
import { hex } from './directory.js';
import type { ConversationView, DeviceView, Messenger, MessageView, RelayView } from './messenger.js';
import { progressReporter } from './progress.js';
import { pathExists } from '../fs/exists.js';

/** What the process hosting the engine provides beyond the engine itself. */
export interface ApiHostHooks {
  /**
   * Opens an https address in the system browser. Absent, openExternalLink refuses with
   * a typed error (a host that has no safe way to do it, e.g. one serving a remote page).
   */
  readonly openExternal?: (url: string) => Promise<void>;
  /**
   * Restores a backup in place of this (account-less) profile. Only the host can: the
   * engine must be closed and reopened on the restored profile.
   */
  readonly importBackup?: (path: string, passphrase: string, onProgress: (done: number, total: number) => void) => Promise<AccountSummary>;
  /** Receives transfer progress (backups) for the `progress` event. */
  readonly onProgress?: (report: EventPayload<'progress'>) => void;
}

/** The user gives a backup's place as a full path on the machine running the engine. */
function backupPath(path: string): string {
  if (!isAbsolute(path)) throw new AegeesError('INVALID_ARGUMENT', 'give the full path of the backup file, starting at the root of the disk');
  return path;
}

/**
 * How the UI names accounts: my contacts by the names I know them by; anyone else (a fellow
 * group member I never added) by the name their own card gives (see `strangerLabel`).
 */
export interface Naming {
  readonly myAccountId: Uint8Array;
  readonly myName: string;
  /** A contact's name; undefined for anyone who is not my contact. */
  contactName(accountHex: string): string | undefined;
  /** The name an account's own card gives, when I hold its card. */
  cardName(accountHex: string): string | undefined;
}

/**
 * Someone who is not my contact: the name they chose, with the start of their account id,
 * so nobody can pass as a contact by taking the same name.
 */
export function strangerLabel(accountHex: string, cardName: string | undefined): string {
  return cardName ? `${cardName} (${shortId(accountHex)})` : shortId(accountHex);
}

function nameOf(naming: Naming, accountHex: string): string {
  return naming.contactName(accountHex) ?? strangerLabel(accountHex, naming.cardName(accountHex));
}

/** Parses an id from the UI: lowercase or uppercase hex of whole bytes. */
export function idBytes(id: string, what: string): Buffer {
  if (id.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(id)) throw new AegeesError('INVALID_ARGUMENT', `${what} is not a hex id`);
  return Buffer.from(id, 'hex');
}

export function outgoingState(view: MessageView): MessageStatus['state'] {
  const { recipientAccounts } = view;
  if (view.state === 'failed') return 'failed';
  if (recipientAccounts > 0 && view.readBy.length >= recipientAccounts) return 'read';
  if (recipientAccounts > 0 && view.deliveredTo.length >= recipientAccounts) return 'delivered';
  if (view.storedOn.length > 0 || view.state === 'stored') return 'stored';
  return 'queued';
}

export function toAttachment(record: AttachmentRecord): AttachmentInfo {
  return {
    id: String(record.id),
    name: record.name,
    mime: record.mime,
    size: record.size,
    state: record.state,
    // Bytes in flight come as `progress` events (operation attachment-upload, this id);
    // the record knows only whether its file is here.
    transferred: record.state === 'ready' ? record.size : 0,
  };
}

export function toMessage(view: MessageView, naming: Naming): Message {
  const sender = hex(view.senderAccountId);
  const fromMe = view.outgoing || Buffer.from(view.senderAccountId).equals(Buffer.from(naming.myAccountId));
  const timed = (entries: MessageView['deliveredTo']) => entries.map((entry) => ({ accountId: hex(entry.accountId), at: entry.at }));
  return {
    id: hex(view.id),
    conversationId: hex(view.conversationId),
    senderAccountId: sender,
    senderName: fromMe ? naming.myName : nameOf(naming, sender),
    fromMe,
    sentAt: view.sentAt,
    receivedAt: view.receivedAt,
    text: view.body,
    attachments: view.attachments.map(toAttachment),
    status: {
      // A copy this device sent from another of my devices arrives as received, not outgoing.
      state: view.outgoing ? outgoingState(view) : 'received',
      storedOn: view.storedOn,
      deliveredTo: timed(view.deliveredTo),
      readBy: timed(view.readBy),
      ...(view.error ? { error: view.error } : {}),
    },
  };
}

/** One line for the conversation list: the text, or what was attached when there is none. */
export function previewOf(body: string, attachments: readonly { name: string }[]): string {
  const text = body.replace(/\s+/g, ' ').trim();
  if (text) return text.length > 140 ? `${text.slice(0, 139)}…` : text;
  if (attachments.length === 1) return `File: ${attachments[0]!.name}`;
  return attachments.length > 1 ? `${attachments.length} files` : '';
}

export function toConversation(view: ConversationView, naming: Naming): Conversation {
  const last = view.lastMessage;
  const myAccountId = Buffer.from(naming.myAccountId);
  const strangers = view.memberAccountIds.map(hex).filter((id) => id !== myAccountId.toString('hex') && naming.contactName(id) === undefined);
  return {
    id: hex(view.id),
    kind: view.kind,
    title: view.title,
    memberAccountIds: view.memberAccountIds.map(hex),
    strangerNames: Object.fromEntries(strangers.map((id) => [id, strangerLabel(id, naming.cardName(id))])),
    unreadCount: view.unreadCount,
    lastMessage: last
      ? { preview: previewOf(last.body, last.attachments), sentAt: last.sentAt, fromMe: last.outgoing || last.senderAccountId.equals(myAccountId) }
      : null,
    lastActivityAt: view.lastActivityAt,
    sendRelay: view.sendRelayUrl,
  };
}

/** The device count comes from the signed device list the contact's card carried (verified when stored). */
export function toContact(record: ContactRecord): Contact {
  return {
    accountId: hex(record.accountId),
    displayName: record.displayName,
    state: record.state,
    verified: record.verified,
    deviceCount: record.deviceList ? decodeDeviceList(record.deviceList).devices.length : 0,
  };
}

export function toRelayInfo(view: RelayView): RelayInfo {
  return {
    url: view.url,
    identityKey: hex(view.identityKey),
    source: view.source,
    status: view.status,
    latencyMs: view.latencyMs,
    keyVerified: view.keyVerified,
    ...(view.lastError ? { lastError: view.lastError } : {}),
  };
}

export function toSearchHit(hit: StoreSearchHit, conversationTitle: string): SearchHit {
  return {
    messageId: hex(hit.message.id),
    conversationId: hex(hit.message.conversationId),
    conversationTitle,
    snippet: hit.snippet.text,
    matches: hit.snippet.matches.map(([start, end]) => [start, end] as [number, number]),
    sentAt: hit.message.sentAt,
  };
}

export function toDevice(view: DeviceView): Device {
  return { deviceId: hex(view.deviceId), name: view.label, current: view.current, linkedAt: view.linkedAt };
}

export function profileStatus(messenger: Messenger): ProfileStatus {
  if (messenger.hasAccount) return { kind: 'ready', me: accountSummary(messenger) };
  const code = messenger.linkingCode();
  return code === undefined ? { kind: 'no-account' } : { kind: 'linking', code };
}

/** A profile that is still linking (or has no account) has no device list yet. */
function devicesOf(messenger: Messenger): Device[] {
  return messenger.hasAccount ? messenger.devices().map(toDevice) : [];
}

function accountSummary(messenger: Messenger): AccountSummary {
  const me = messenger.whoami();
  return { accountId: hex(me.accountId), displayName: me.displayName, deviceId: hex(me.deviceId), deviceName: me.deviceName };
}

function shortId(accountHex: string): string {
  return accountHex.slice(0, 12);
}

/** Who I am and what my contacts are called, read once per call. */
function naming(messenger: Messenger): Naming {
  const me = messenger.whoami();
  const contacts = new Map(messenger.contacts().map((contact) => [hex(contact.accountId), contact.displayName]));
  return {
    myAccountId: me.accountId,
    myName: me.displayName,
    contactName: (accountHex) => contacts.get(accountHex),
    cardName: (accountHex) => messenger.cardName(Buffer.from(accountHex, 'hex')),
  };
}

const OK = { ok: true } as const;

export function createApiHandlers(messenger: Messenger, hooks: ApiHostHooks = {}): ApiHandlers {
  const conversation = (view: ConversationView, names = naming(messenger)) => toConversation(view, names);
  return {
    getProfileStatus: async () => profileStatus(messenger),
    createAccount: async ({ displayName }) => {
      await messenger.createAccount(displayName);
      return accountSummary(messenger);
    },

    getInvite: async () => ({ code: messenger.inviteCode() }),
    addContact: async ({ code }) => toContact(await messenger.addContact(code)),
    acceptContact: async ({ accountId }) => toContact(await messenger.acceptContact(idBytes(accountId, 'accountId'))),
    listContacts: async () => messenger.contacts().map(toContact),
    getSafetyNumber: async ({ accountId }) => {
      const id = idBytes(accountId, 'accountId');
      return { digits: messenger.safetyNumber(id), verified: messenger.contact(id).verified };
    },
    setContactVerified: async ({ accountId, verified }) => toContact(messenger.setContactVerified(idBytes(accountId, 'accountId'), verified)),

    listConversations: async () => {
      const names = naming(messenger);
      return messenger.listConversations().map((view) => conversation(view, names));
    },
    openDirectConversation: async ({ accountId }) => conversation(messenger.openDirectConversation(idBytes(accountId, 'accountId'))),
    createGroup: async ({ title, memberAccountIds }) =>
      conversation(await messenger.createGroup(title, memberAccountIds.map((id) => idBytes(id, 'memberAccountIds')))),
    addGroupMember: async ({ conversationId, accountId }) =>
      conversation(await messenger.addGroupMember(idBytes(conversationId, 'conversationId'), idBytes(accountId, 'accountId'))),
    removeGroupMember: async ({ conversationId, accountId }) =>
      conversation(await messenger.removeGroupMember(idBytes(conversationId, 'conversationId'), idBytes(accountId, 'accountId'))),
    listMessages: async ({ conversationId, before, after, limit }) => {
      const id = idBytes(conversationId, 'conversationId');
      const page = messenger.history(id, { limit, ...(before ? { beforeId: idBytes(before, 'before') } : {}), ...(after ? { afterId: idBytes(after, 'after') } : {}) });
      const context = naming(messenger);
      return { messages: page.messages.map((message) => toMessage(message, context)), hasMore: page.hasMore };
    },
    sendMessage: async ({ conversationId, text, attachments, relayUrl }) => {
      const id = idBytes(conversationId, 'conversationId');
      const sent = await messenger.sendMessage(id, {
        text,
        files: attachments.map((file) => ({ source: file.data, name: file.name, mime: file.mime })),
        ...(relayUrl ? { relayUrl } : {}),
      });
      return toMessage(sent, naming(messenger));
    },
    markRead: async ({ conversationId }) => {
      messenger.markRead(idBytes(conversationId, 'conversationId'));
      return OK;
    },
    getAttachmentData: async ({ messageId, attachmentId }) => {
      if (!/^\d{1,15}$/.test(attachmentId)) throw new AegeesError('INVALID_ARGUMENT', 'attachmentId is not an attachment id');
      const file = await messenger.attachmentData(idBytes(messageId, 'messageId'), Number(attachmentId));
      // Read from a file into Node's own memory, never a SharedArrayBuffer.
      return { name: file.name, mime: file.mime, data: file.data as Uint8Array<ArrayBuffer> };
    },
    search: async ({ query, limit }) => {
      // Titles only, not conversation views: a view counts unread messages, which costs
      // more than the search itself on a large history.
      const titles = new Map<string, string>();
      const titleOf = (id: Uint8Array) => {
        const key = hex(id);
        if (!titles.has(key)) titles.set(key, messenger.conversationTitle(id));
        return titles.get(key)!;
      };
      return messenger.search(query, limit).map((hit) => toSearchHit(hit, titleOf(hit.message.conversationId)));
    },

    listRelays: async () => messenger.listRelays().map(toRelayInfo),
    addRelay: async ({ url, identityKey }) => toRelayInfo(await messenger.addRelay(url, { identityKey: Buffer.from(identityKey, 'hex') })),
    removeRelay: async ({ url }) => {
      await messenger.removeRelay(url);
      return OK;
    },
    setConversationRelay: async ({ conversationId, relayUrl }) => {
      return conversation(messenger.setConversationRelay(idBytes(conversationId, 'conversationId'), relayUrl));
    },

    listDevices: async () => devicesOf(messenger),
    beginDeviceLink: async ({ deviceName }) => ({ code: await messenger.beginDeviceLink(deviceName) }),
    approveDeviceLink: async ({ code }) => toDevice(await messenger.approveDeviceLink(code)),
    revokeDevice: async ({ deviceId }) => {
      await messenger.revokeDevice(idBytes(deviceId, 'deviceId'));
      return OK;
    },

    exportBackup: async ({ path, passphrase }) => {
      const target = backupPath(path);
      // Writing the backup replaces the file by rename: never over something already there.
      if (await pathExists(target)) throw new AegeesError('INVALID_ARGUMENT', `${target} already exists; choose another file name`);
      await messenger.exportBackup(target, passphrase, progressReporter('backup-export', hooks.onProgress));
      return { path: target, bytes: (await stat(target)).size };
    },
    importBackup: async ({ path, passphrase }) => {
      if (messenger.hasAccount) {
        throw new AegeesError('INVALID_ARGUMENT', 'this profile already has an account; restore the backup into a new profile (npm start -- --profile NEW_FOLDER)');
      }
      if (!hooks.importBackup) throw new AegeesError('NOT_FOUND', 'restoring a backup is not available in this app');
      return hooks.importBackup(backupPath(path), passphrase, progressReporter('backup-import', hooks.onProgress));
    },

    getSettings: async () => messenger.settings(),
    updateSettings: async (changes) => messenger.updateSettings(changes),
    openExternalLink: async ({ url }) => {
      if (new URL(url).protocol !== 'https:') throw new AegeesError('INVALID_ARGUMENT', 'only https links are opened');
      if (!hooks.openExternal) throw new AegeesError('NOT_FOUND', 'this app cannot open links in a browser here; copy the address instead');
      await hooks.openExternal(url);
      return OK;
    },
  };
}

/** The engine's events with contract payloads; `close` detaches it from the engine. */
export interface ApiEvents extends ApiEventSource {
  close(): void;
}

/**
 * Re-emits the engine's events as contract payloads. A payload that cannot be built is
 * reported and dropped: a listener throwing inside the engine's emit would fail the
 * operation (a send that is already committed) that raised the event.
 */
export function createApiEvents(messenger: Messenger, onError: (event: EventName, error: unknown) => void = () => {}): ApiEvents {
  const out = new EventEmitter();
  const forward = (event: EventName, build: () => unknown) => {
    if (out.listenerCount(event) === 0) return;
    let payload: unknown;
    try {
      payload = build();
    } catch (error) {
      onError(event, error);
      return;
    }
    out.emit(event, payload);
  };
  const message = (event: 'messageAdded' | 'messageUpdated') => (view: MessageView) =>
    forward(event, () => toMessage(view, naming(messenger)));
  const onAdded = message('messageAdded');
  const onUpdated = message('messageUpdated');
  const onConversation = (view: ConversationView) => forward('conversationUpdated', () => toConversation(view, naming(messenger)));
  const onContacts = () => forward('contactsChanged', () => messenger.contacts().map(toContact));
  const onRelays = (relays: RelayView[]) => forward('relaysChanged', () => relays.map(toRelayInfo));
  const onProfile = () => forward('profileChanged', () => profileStatus(messenger));
  const onDevices = () => forward('devicesChanged', () => devicesOf(messenger));

  messenger.on('messageAdded', onAdded);
  messenger.on('messageUpdated', onUpdated);
  messenger.on('conversationUpdated', onConversation);
  messenger.on('contactsChanged', onContacts);
  messenger.on('relaysChanged', onRelays);
  messenger.on('profileChanged', onProfile);
  messenger.on('devicesChanged', onDevices);
  return {
    on: (event, listener) => out.on(event, listener),
    off: (event, listener) => out.off(event, listener),
    close() {
      messenger.off('messageAdded', onAdded);
      messenger.off('messageUpdated', onUpdated);
      messenger.off('conversationUpdated', onConversation);
      messenger.off('contactsChanged', onContacts);
      messenger.off('relaysChanged', onRelays);
      messenger.off('profileChanged', onProfile);
      messenger.off('devicesChanged', onDevices);
    },
  };
}
