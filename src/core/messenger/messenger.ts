// The messenger engine: one profile's account, contacts, conversations and relays, with
// the send path (seal → commit to the outbox → deposit on chosen relays) and the receive
// path (verify → open → fetch attachments → commit → ack every relay copy). The CLI, the
// browser-target host and the Electron main process all drive this class.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { AegeesError, isAegeesError } from '../../common/errors.js';
import {
  decodeChatBody,
  decodeDeviceLinkBody,
  decodeGroupUpdateBody,
  decodeReceiptBody,
  encodeChatBody,
  encodeDeviceLinkBody,
  encodeGroupUpdateBody,
  encodeReceiptBody,
  MAX_RECEIPT_IDS,
  type ReceiptKind,
} from '../../common/protocol/bodies.js';
import { bytesEqual } from '../../common/protocol/codec.js';
import { MessageType } from '../../common/protocol/constants.js';
import { decodeDeviceCertificate, encodeDeviceCertificate } from '../../common/protocol/device-list.js';
import type { AttachmentDescriptor, HeaderBlock } from '../../common/protocol/envelope.js';
import { MAX_ATTACHMENT_RELAYS } from '../../common/protocol/limits.js';
import { exportBackup } from '../backup/export.js';
import type { BackupProgress } from '../backup/files.js';
import { importBackup, type ImportBackupOptions } from '../backup/import.js';
import type { PwhashLimits } from '../crypto/sodium.js';
import type { Passphrase } from '../keychain/passphrase-vault.js';
import {
  checkDeviceListUpdate,
  createCertificateRequest,
  findDevice,
  issueDeviceCertificate,
  signDeviceList,
} from '../crypto/device-list.js';
import { openEnvelope, sealEnvelope, type OpenedMessage, type RecipientDevice } from '../crypto/envelope.js';
import { exportDeviceSecrets, generateDevice, safetyNumber, type DeviceKeys } from '../crypto/identity.js';
import { mailboxIdFor } from '../crypto/mailbox.js';
import { constantTimeEqual, randomBytes, wipe } from '../crypto/sodium.js';
import { OUTBOX_BACKOFF, retryDelayMs } from '../delivery/backoff.js';
import { planDeposits } from '../delivery/relay-picker.js';
import { openSecretStore, type OpenSecretStoreOptions } from '../keychain/open.js';
import type { SecretStore } from '../keychain/secret-store.js';
import { RelayClient, type PushedEnvelope } from '../relay-client/index.js';
import { relayBaseUrl, type TransportOptions } from '../relay-client/http.js';
import type { ContactRecord, ContactState } from '../store/contacts.js';
import type { ConversationRecord, GroupState } from '../store/conversations.js';
import type { NewAttachment, StoredMessage } from '../store/messages.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import type { EventPayload } from '../../common/api/contract.js';
import { attachmentCiphertextSize } from '../crypto/attachment.js';
import { progressReporter } from './progress.js';
import { downloadAttachment, readAttachment, sealAttachment, type SealedFile, type TransferBytes } from './attachment-files.js';
import { cardFromInviteCode, inviteCodeOf, openCard, signCard, type VerifiedCard } from './cards.js';
import { decodeLinkCode, encodeLinkCode, linkConversationId, linkProof, type LinkCode } from './device-link.js';
import { Directory, directConversationId, hex } from './directory.js';
import { DEVICE_SECRET, accountIdOf, createIdentity, loadIdentity, saveOwnCard, type Identity } from './identity.js';
import { OutboxWorker } from './outbox-worker.js';
import { ReceiveQueue, type CopyOutcome, type IncomingCopy } from './receive-queue.js';
import { RelayPool, type RelayState } from './relay-pool.js';

export interface MessengerOptions {
  readonly profileDir: string;
  readonly secretStore?: OpenSecretStoreOptions;
  /** TLS settings for relay connections (e.g. a private relay's CA). */
  readonly transport?: TransportOptions;
  readonly now?: () => number;
  /** Uniform in [0, 1); relay choice and retry jitter. */
  readonly random?: () => number;
  readonly healthIntervalMs?: number;
  /** Receives problems worth a log line (a rejected envelope, a failed deposit). */
  readonly onWarning?: (message: string, error?: unknown) => void;
}

export interface OutgoingFile {
  /** A path to read, or the bytes themselves. */
  readonly source: string | Uint8Array;
  readonly name: string;
  readonly mime: string;
}

export interface SendOptions {
  readonly text: string;
  readonly files?: readonly OutgoingFile[];
  /** This message only: send through this relay (when the recipients listen there). */
  readonly relayUrl?: string;
}

export interface RelayView extends RelayState {
  readonly identityKey: Buffer;
  readonly source: 'default' | 'user' | 'embedded';
  readonly inbox: boolean;
}

export interface MessageView extends StoredMessage {
  /**
   * Accounts other than ours an outgoing message was sealed to: "delivered" and "read" mean
   * all of them, whoever joins or leaves the conversation later.
   */
  readonly recipientAccounts: number;
  readonly storedOn: string[];
  readonly deliveredTo: Array<{ accountId: Buffer; at: number }>;
  readonly readBy: Array<{ accountId: Buffer; at: number }>;
}

export interface ConversationView extends ConversationRecord {
  readonly unreadCount: number;
  readonly lastMessage: StoredMessage | undefined;
}

export interface DeviceView {
  readonly deviceId: Buffer;
  readonly label: string;
  readonly current: boolean;
  readonly linkedAt: number;
}

/** The new device's side of a link in progress. */
interface Linking {
  readonly device: DeviceKeys;
  readonly secret: Buffer;
  readonly code: string;
  readonly label: string;
  offeredCard?: VerifiedCard;
}

/** The existing device's side: waiting for the new device's certificate request. */
interface PendingApproval {
  readonly code: LinkCode & { deviceId: Buffer };
  readonly resolve: (device: DeviceView) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

interface RawEnvelope {
  readonly type: MessageType;
  readonly conversationId: Uint8Array;
  readonly body: Uint8Array;
  readonly devices: readonly RecipientDevice[];
  readonly deposits: ReadonlyArray<{ relayUrl: string; mailboxIds: readonly Uint8Array[] }>;
  /** Sender other than this profile's identity: a device being linked speaks for the account it joins. */
  readonly sender?: { accountId: Uint8Array; device: DeviceKeys };
}

/** A chat message whose attachments were downloaded, to be stored next. */
interface FetchedChat {
  readonly message: OpenedMessage;
  readonly attachments: NewAttachment[];
}

/** What one receive transaction stored: messages to announce after it commits, and the delivery receipts it owes. */
interface Received {
  readonly added: Array<{ seq: number; conversationId: Buffer }>;
  /** By sender and conversation. */
  readonly receipts: Map<string, { sender: Uint8Array; conversationId: Uint8Array; msgIds: Uint8Array[] }>;
}

export interface Settings {
  readonly redundancy: number;
  readonly theme: 'system' | 'light' | 'dark';
  readonly notificationPreviews: boolean;
}

/** Tries (with backoff: about a minute in all) before a copy that cannot be placed yet is dropped. */
const MAX_HOLD_ATTEMPTS = 6;
const DEFAULT_SETTINGS: Settings = { redundancy: 2, theme: 'system', notificationPreviews: true };
const MAX_ATTACHMENT_READ_BYTES = 100 * 1024 * 1024;

type Events = {
  messageAdded: [MessageView];
  messageUpdated: [MessageView];
  conversationUpdated: [ConversationView];
  contactsChanged: [];
  relaysChanged: [RelayView[]];
  profileChanged: [];
  devicesChanged: [];
  /**
   * Attachment bytes in flight, throttled to whole percents (see the contract's
   * TransferProgress for the ids): uploads by attachment id, downloads by message.
   */
  transferProgress: [EventPayload<'progress'>];
};

export class Messenger extends EventEmitter<Events> {
  private identityValue: Identity | undefined;
  private readonly directory: Directory;
  private readonly pool: RelayPool;
  private readonly worker: OutboxWorker;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly received: ReceiveQueue;
  private started = false;
  /** Conversations with received messages whose conversationUpdated is still to come. */
  private readonly changedConversations = new Map<string, Buffer>();
  private linking: Linking | undefined;
  private readonly approvals = new Map<string, PendingApproval>();
  /** Identity keys of relays only a link in progress uses (the new device's waiting mailbox). */
  private readonly linkRelayKeys = new Map<string, Uint8Array>();
  /** Throttled reporters of the attachment transfers in flight, by operation and id. */
  private readonly transfers = new Map<string, TransferBytes>();
  /** Attachment ids of uploads in flight, by message seq and blob id (hex). */
  private readonly uploadIds = new Map<string, string | null>();

  private constructor(
    readonly profileDir: string,
    private readonly store: Store,
    private readonly secrets: SecretStore,
    identity: Identity | undefined,
    private readonly options: MessengerOptions,
  ) {
    super();
    this.identityValue = identity;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.directory = new Directory(store, () => this.identityValue);
    this.received = new ReceiveQueue({
      processBurst: (burst) => this.receiveBurst(burst),
      retryDelayMs: (attempt) => retryDelayMs(attempt, OUTBOX_BACKOFF, this.random),
      onError: (error) => this.warn('processing received envelopes failed', error),
    });
    this.pool = new RelayPool({
      transport: options.transport ?? {},
      mailboxRootSecret: () => (this.identityValue?.device ?? this.linking?.device ?? this.identity.device).mailboxRootSecret,
      onEnvelope: (relayUrl, pushed, session) => this.received.push({ relayUrl, pushed, session, attempt: 0 }),
      healthIntervalMs: options.healthIntervalMs ?? 30_000,
      random: this.random,
    });
    this.pool.on('changed', () => this.emit('relaysChanged', this.listRelays()));
    // A relay that answers again takes what waited for it now, not at its backoff time.
    this.pool.on('reachable', (url) => {
      if (this.store.outbox.retryNow(url, this.now()) > 0) this.worker.kick();
    });
    this.worker = new OutboxWorker({
      store,
      pool: this.pool,
      profileDir,
      relayKey: (url) => this.directory.relayKey(url) ?? this.linkRelayKeys.get(url),
      now: this.now,
      random: this.random,
      onStored: (seq) => this.emitMessage('messageUpdated', seq),
      onError: (deposit, error) => this.warn(`deposit of ${hex(deposit.msgId)} on ${deposit.relayUrl} failed`, error),
      onUploadProgress: (seq, blobId, done, total) => this.uploadProgress(seq, blobId, done, total),
    });
  }

  /** Opens (creating if needed) the profile in `profileDir`; nothing connects until `start`. */
  static async open(options: MessengerOptions): Promise<Messenger> {
    const secrets = await openSecretStore(options.profileDir, options.secretStore);
    let store: Store | undefined;
    try {
      store = await openStore(options.profileDir, secrets);
      const identity = await loadIdentity(store, secrets);
      return new Messenger(options.profileDir, store, secrets, identity, options);
    } catch (error) {
      store?.close();
      secrets.close();
      throw error;
    }
  }

  /** Connects to the roster's relays and starts draining the outbox. */
  start(): void {
    this.started = true;
    this.watchRoster();
    this.store.outbox.retryNow(undefined, this.now());
    this.worker.kick();
  }

  async close(): Promise<void> {
    this.started = false;
    // No further bursts; the one in progress still commits before the store closes (its
    // acks may not make it out, so the relays push those copies again next time: deduped).
    this.received.close();
    for (const approval of this.approvals.values()) {
      clearTimeout(approval.timer);
      approval.reject(new AegeesError('INVALID_ARGUMENT', 'the app closed before the new device answered'));
    }
    this.approvals.clear();
    this.linking?.device.dispose();
    await this.worker.stop();
    await this.pool.close();
    await this.received.idle();
    this.identityValue?.device.dispose();
    this.identityValue?.account?.dispose();
    this.store.close();
    this.secrets.close();
  }

  get hasAccount(): boolean {
    return this.identityValue !== undefined;
  }

  private get identity(): Identity {
    if (!this.identityValue) throw new AegeesError('NOT_FOUND', 'this profile has no account yet');
    return this.identityValue;
  }

  get accountId(): Buffer {
    return accountIdOf(this.identity);
  }

  whoami(): { accountId: Buffer; deviceId: Buffer; displayName: string; deviceName: string } {
    const identity = this.identity;
    const device = identity.card.deviceList.devices.find((d) => d.deviceId.equals(identity.device.deviceId));
    return {
      accountId: accountIdOf(identity),
      deviceId: identity.device.deviceId,
      displayName: identity.card.displayName,
      deviceName: device?.certificate.label ?? '',
    };
  }

  // ── Relays ──────────────────────────────────────────────────────────────────────────

  /**
   * Adds a relay to the roster. With `identityKey` the relay must prove that key; without
   * one the key it proves now is pinned (trust on first use) and shown to the user.
   */
  async addRelay(url: string, options: { identityKey?: Uint8Array; inbox?: boolean } = {}): Promise<RelayView> {
    const normalized = normalizeRelayUrl(url);
    const client = new RelayClient({ ...this.options.transport, url: normalized, ...(options.identityKey ? { relayKey: options.identityKey } : {}) });
    try {
      await client.fetchInfo();
      const identityKey = client.relayKey!;
      const existing = this.store.roster.get(normalized);
      if (existing && !bytesEqual(existing.identityKey, identityKey)) {
        throw new AegeesError('RELAY_IDENTITY_MISMATCH', `${normalized} is already in the roster with another identity key; remove it first`);
      }
      this.store.roster.add({ url: normalized, identityKey, source: 'user', inbox: options.inbox ?? false, addedAt: this.now() });
      if (options.inbox !== undefined) this.store.roster.setInbox(normalized, options.inbox);
    } finally {
      client.close();
    }
    if (this.started) this.watchRoster();
    this.emit('relaysChanged', this.listRelays());
    return this.listRelays().find((relay) => relay.url === normalized)!;
  }

  async removeRelay(url: string): Promise<void> {
    const normalized = normalizeRelayUrl(url);
    if (!this.store.roster.remove(normalized)) throw new AegeesError('NOT_FOUND', `${normalized} is not in the roster`);
    await this.pool.unwatch(normalized);
    this.emit('relaysChanged', this.listRelays());
  }

  listRelays(): RelayView[] {
    return this.store.roster.list().map((relay) => {
      const state = this.pool.state(relay.url) ?? { url: relay.url, status: 'connecting' as const, latencyMs: null, keyVerified: false };
      return { ...state, identityKey: Buffer.from(relay.identityKey), source: relay.source, inbox: relay.inbox };
    });
  }

  setConversationRelay(conversationId: Uint8Array, relayUrl: string | null): ConversationView {
    const url = relayUrl === null ? null : normalizeRelayUrl(relayUrl);
    if (!this.store.conversations.setSendRelay(conversationId, url)) throw new AegeesError('NOT_FOUND', 'no such conversation');
    const view = this.conversationView(conversationId);
    this.emit('conversationUpdated', view);
    return view;
  }

  private watchRoster(): void {
    for (const relay of this.store.roster.list()) {
      const listening = this.hasAccount ? relay.inbox : this.linking !== undefined && relay.url === this.linkRelay()?.url;
      this.pool.watch(relay.url, relay.identityKey, listening);
    }
  }

  /** The relay a new device waits on while it is being linked: an inbox relay if any, else the first. */
  private linkRelay() {
    const roster = this.store.roster.list();
    return roster.find((relay) => relay.inbox) ?? roster[0];
  }

  // ── Account and contacts ────────────────────────────────────────────────────────────

  /** Creates the account; its inbox relays are the roster's inbox relays, or every roster relay. */
  async createAccount(displayName: string, deviceName = 'Desktop'): Promise<void> {
    if (this.identityValue) throw new AegeesError('INVALID_ARGUMENT', 'this profile already has an account');
    const roster = this.store.roster.list();
    const inbox = roster.some((relay) => relay.inbox) ? roster.filter((relay) => relay.inbox) : roster;
    if (inbox.length === 0) throw new AegeesError('NOT_FOUND', 'add at least one relay before creating an account');
    for (const relay of inbox) this.store.roster.setInbox(relay.url, true);
    this.identityValue = await createIdentity(this.store, this.secrets, {
      displayName,
      deviceName,
      inboxRelays: inbox.map((relay) => ({ url: relay.url, relayKey: relay.identityKey })),
      now: this.now(),
    });
    if (this.started) this.watchRoster();
    this.emit('profileChanged');
  }

  inviteCode(): string {
    return inviteCodeOf(this.identity.card.bytes);
  }

  /** Adds the account behind an invite code and sends it a contact request (or accepts its request). */
  async addContact(code: string): Promise<ContactRecord> {
    const card = cardFromInviteCode(code);
    const accountId = Buffer.from(card.deviceList.accountId);
    if (accountId.equals(this.accountId)) throw new AegeesError('INVALID_ARGUMENT', 'that is your own invite code');
    const existing = this.store.contacts.get(accountId);
    const state: ContactState = existing?.state === 'request-received' || existing?.state === 'accepted' ? 'accepted' : 'request-sent';
    this.store.transaction(() => {
      this.saveContact(card, state, existing);
      this.enqueue({
        type: state === 'accepted' ? MessageType.ContactAccept : MessageType.ContactRequest,
        conversationId: directConversationId(this.accountId, accountId),
        body: this.identity.card.bytes,
        accounts: [accountId],
        extraCards: [card],
      });
    });
    this.worker.kick();
    this.emit('contactsChanged');
    return this.store.contacts.get(accountId)!;
  }

  async acceptContact(accountId: Uint8Array): Promise<ContactRecord> {
    const contact = this.store.contacts.get(accountId);
    if (!contact?.card) throw new AegeesError('NOT_FOUND', 'no such contact request');
    if (contact.state !== 'request-received') return contact;
    this.store.transaction(() => {
      this.store.contacts.put({ ...contact, state: 'accepted', updatedAt: this.now() });
      this.enqueue({
        type: MessageType.ContactAccept,
        conversationId: directConversationId(this.accountId, accountId),
        body: this.identity.card.bytes,
        accounts: [accountId],
      });
    });
    this.worker.kick();
    this.emit('contactsChanged');
    return this.store.contacts.get(accountId)!;
  }

  contacts(): ContactRecord[] {
    return this.store.contacts.list();
  }

  /** The name an account gives itself on the newest card we hold of it (a contact's, or a fellow group member's). */
  cardName(accountId: Uint8Array): string | undefined {
    return this.directory.card(accountId)?.displayName;
  }

  contact(accountId: Uint8Array): ContactRecord {
    const contact = this.store.contacts.get(accountId);
    if (!contact) throw new AegeesError('NOT_FOUND', 'no such contact');
    return contact;
  }

  safetyNumber(accountId: Uint8Array): string {
    this.contact(accountId);
    return safetyNumber(this.accountId, accountId);
  }

  setContactVerified(accountId: Uint8Array, verified: boolean): ContactRecord {
    const contact = this.contact(accountId);
    this.store.contacts.put({ ...contact, verified, updatedAt: this.now() });
    this.emit('contactsChanged');
    return this.contact(accountId);
  }

  /** Stores a contact with a verified card, refusing a device-list rollback; creates its conversation. */
  private saveContact(card: VerifiedCard, state: ContactState, existing: ContactRecord | undefined): void {
    const accountId = Buffer.from(card.deviceList.accountId);
    let newer = card;
    if (existing?.card) {
      const known = openCard(existing.card, accountId);
      if (checkDeviceListUpdate(known.deviceList, card.deviceList) === 'same') newer = known.displayName === card.displayName ? known : card;
    }
    const now = this.now();
    this.store.contacts.put({
      accountId,
      accountPublicKey: accountId,
      displayName: newer.displayName,
      state,
      verified: existing?.verified ?? false,
      blocked: existing?.blocked ?? false,
      deviceList: newer.deviceListBytes,
      deviceListVersion: newer.deviceList.version,
      card: newer.bytes,
      addedAt: existing?.addedAt ?? now,
      updatedAt: now,
    });
    this.directory.forget();
    const conversationId = directConversationId(this.accountId, accountId);
    if (!this.store.conversations.get(conversationId)) {
      this.store.conversations.create({ kind: 'direct', id: conversationId, peerAccountId: accountId, createdAt: now });
    }
    // After the caller's transaction: the conversation is new, or its title (the name) may have changed.
    queueMicrotask(() => {
      const view = this.store.conversations.get(conversationId) && this.conversationView(conversationId);
      if (view) this.emit('conversationUpdated', view);
    });
  }

  // ── Conversations and messages ──────────────────────────────────────────────────────

  listConversations(): ConversationView[] {
    return this.store.conversations.list().map((record) => this.viewOf(record));
  }

  conversationView(conversationId: Uint8Array): ConversationView {
    const record = this.store.conversations.get(conversationId);
    if (!record) throw new AegeesError('NOT_FOUND', 'no such conversation');
    return this.viewOf(record);
  }

  openDirectConversation(accountId: Uint8Array): ConversationView {
    this.contact(accountId);
    return this.conversationView(directConversationId(this.accountId, accountId));
  }

  /**
   * A page of history: the newest messages, those before `beforeId`, or those after
   * `afterId`. `hasMore` says whether more exist beyond the page in its own direction.
   */
  history(conversationId: Uint8Array, options: { limit: number; beforeId?: Uint8Array; afterId?: Uint8Array }): { messages: MessageView[]; hasMore: boolean } {
    this.conversationView(conversationId);
    const before = options.beforeId ? this.store.messages.get(options.beforeId) : undefined;
    if (options.afterId) {
      const after = this.store.messages.get(options.afterId);
      if (!after) throw new AegeesError('NOT_FOUND', 'no such message');
      const page = this.store.messages.page(conversationId, { limit: options.limit, after: { sentAt: after.sentAt, seq: after.seq } });
      return { messages: page.messages.map((message) => this.messageView(message)), hasMore: page.newer !== null };
    }
    const page = this.store.messages.page(conversationId, { limit: options.limit, ...(before ? { before: { sentAt: before.sentAt, seq: before.seq } } : {}) });
    return { messages: page.messages.map((message) => this.messageView(message)), hasMore: page.older !== null };
  }

  message(messageId: Uint8Array): MessageView {
    const message = this.store.messages.get(messageId);
    if (!message) throw new AegeesError('NOT_FOUND', 'no such message');
    return this.messageView(message);
  }

  search(query: string, limit: number) {
    return this.store.messages.search(query, { limit });
  }

  /** Seals a message to every device of the conversation (ours included) and queues it. */
  async sendMessage(conversationId: Uint8Array, options: SendOptions): Promise<MessageView> {
    const conversation = this.store.conversations.get(conversationId);
    if (!conversation) throw new AegeesError('NOT_FOUND', 'no such conversation');
    if (conversation.kind === 'group') this.group(conversationId);
    const members = conversation.memberAccountIds.filter((id) => !id.equals(this.accountId));
    for (const member of members) {
      const contact = this.store.contacts.get(member);
      if (conversation.kind === 'direct' && contact?.state !== 'accepted') {
        throw new AegeesError('INVALID_ARGUMENT', 'the contact has not accepted the contact request yet');
      }
    }
    const files = options.files ?? [];
    const sealed: SealedFile[] = [];
    try {
      for (const file of files) sealed.push(await sealAttachment(this.profileDir, file.source));
      const preferred = options.relayUrl ? normalizeRelayUrl(options.relayUrl) : (conversation.sendRelayUrl ?? undefined);
      let seq = 0;
      this.store.transaction(() => {
        seq = this.enqueue({
          type: MessageType.ChatMessage,
          conversationId,
          body: encodeChatBody({ text: options.text }),
          accounts: members,
          preferredRelayUrl: preferred,
          files: sealed.map((file, index) => ({ sealed: file, name: files[index]!.name, mime: files[index]!.mime })),
          chatText: options.text,
        });
      });
      this.worker.kick();
      const view = this.messageView(this.store.messages.getBySeq(seq)!);
      this.emit('messageAdded', view);
      this.emit('conversationUpdated', this.conversationView(conversationId));
      return view;
    } finally {
      for (const file of sealed) file.key.fill(0);
    }
  }

  /** Marks the conversation read and tells the senders (read receipts). */
  markRead(conversationId: Uint8Array): void {
    const conversation = this.store.conversations.get(conversationId);
    if (!conversation) throw new AegeesError('NOT_FOUND', 'no such conversation');
    const unread = this.store.messages
      .page(conversationId, { limit: 500 })
      .messages.filter((message) => !message.outgoing && message.seq > conversation.lastReadSeq);
    this.store.transaction(() => {
      this.store.conversations.markRead(conversationId);
      for (const [sender, ids] of groupBy(unread, (message) => hex(message.senderAccountId))) {
        if (sender === hex(this.accountId)) continue;
        this.queueReceipt('read', conversationId, Buffer.from(sender, 'hex'), ids.map((message) => message.id));
      }
    });
    this.worker.kick();
    this.emit('conversationUpdated', this.conversationView(conversationId));
  }

  async attachmentData(messageId: Uint8Array, attachmentId: number): Promise<{ name: string; mime: string; data: Buffer }> {
    const attachment = this.message(messageId).attachments.find((a) => a.id === attachmentId);
    if (!attachment?.localPath) throw new AegeesError('NOT_FOUND', 'no such attachment');
    return { name: attachment.name, mime: attachment.mime, data: await readAttachment(this.profileDir, attachment.localPath, attachment.key, MAX_ATTACHMENT_READ_BYTES) };
  }

  /** Absolute path of an attachment's encrypted file, for streaming decryption by the caller. */
  attachmentFile(messageId: Uint8Array, attachmentId: number): { path: string; key: Uint8Array; name: string; mime: string } {
    const attachment = this.message(messageId).attachments.find((a) => a.id === attachmentId);
    if (!attachment?.localPath) throw new AegeesError('NOT_FOUND', 'no such attachment');
    return { path: join(this.profileDir, attachment.localPath), key: attachment.key, name: attachment.name, mime: attachment.mime };
  }

  // ── Devices ─────────────────────────────────────────────────────────────────────────

  devices(): DeviceView[] {
    const identity = this.identity;
    return identity.card.deviceList.devices.map((device) => ({
      deviceId: device.deviceId,
      label: device.certificate.label,
      current: device.deviceId.equals(identity.device.deviceId),
      linkedAt: device.certificate.createdAt,
    }));
  }

  /** On a profile without an account: generates this device's keys and the code to enter on an existing device. */
  async beginDeviceLink(deviceName: string): Promise<string> {
    if (this.identityValue) throw new AegeesError('INVALID_ARGUMENT', 'this profile already has an account');
    const relay = this.linkRelay();
    if (!relay) throw new AegeesError('NOT_FOUND', 'add a relay before linking this device');
    this.linking?.device.dispose();
    const device = generateDevice();
    const secret = exportDeviceSecrets(device);
    try {
      await this.secrets.set(DEVICE_SECRET, secret);
    } finally {
      wipe(secret);
    }
    const linkSecret = randomBytes(32);
    const code = encodeLinkCode({
      signingKey: device.signing.publicKey,
      encryptionKey: device.encryption.publicKey,
      secret: linkSecret,
      relayUrl: relay.url,
      relayKey: relay.identityKey,
      mailboxId: mailboxIdFor(device.mailboxRootSecret, relay.identityKey),
      label: deviceName,
    });
    this.linking = { device, secret: linkSecret, code, label: deviceName };
    if (this.started) this.watchRoster();
    this.emit('profileChanged');
    return code;
  }

  /** The code this new device shows while it waits to be linked. */
  linkingCode(): string | undefined {
    return this.linking?.code;
  }

  /**
   * On the device that holds the account key: links the device that shows `code`. Resolves
   * once the new device answered and was certified (or rejects after `timeoutMs`).
   */
  approveDeviceLink(codeText: string, timeoutMs = 120_000): Promise<DeviceView> {
    const identity = this.identity;
    if (!identity.account) throw new AegeesError('INVALID_ARGUMENT', 'devices are linked on the device that created the account');
    const code = decodeLinkCode(codeText);
    if (findDevice(identity.card.deviceList, code.deviceId)) throw new AegeesError('INVALID_ARGUMENT', 'that device is already linked');
    this.linkRelayKeys.set(code.relayUrl, code.relayKey);
    const done = new Promise<DeviceView>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.approvals.delete(hex(code.deviceId));
        reject(new AegeesError('RELAY_UNAVAILABLE', 'the new device did not answer in time; show a new code and try again'));
      }, timeoutMs);
      timer.unref();
      this.approvals.set(hex(code.deviceId), { code, resolve, reject, timer });
    });
    this.store.transaction(() => {
      this.enqueueRaw({
        type: MessageType.DeviceLink,
        conversationId: linkConversationId(code.deviceId),
        body: encodeDeviceLinkBody({ step: 'offer', proof: linkProof(code.secret, 'offer', [identity.card.bytes]), card: identity.card.bytes }),
        devices: [{ deviceId: code.deviceId, encryptionKey: code.encryptionKey }],
        deposits: [{ relayUrl: code.relayUrl, mailboxIds: [code.mailboxId] }],
      });
    });
    this.worker.kick();
    return done;
  }

  /** Removes a device from the account's device list and tells every contact; it receives nothing sent afterwards. */
  async revokeDevice(deviceId: Uint8Array): Promise<void> {
    const identity = this.identity;
    if (!identity.account) throw new AegeesError('INVALID_ARGUMENT', 'devices are revoked on the device that created the account');
    if (bytesEqual(deviceId, identity.device.deviceId)) throw new AegeesError('INVALID_ARGUMENT', 'this device cannot revoke itself');
    const list = identity.card.deviceList;
    if (!findDevice(list, deviceId)) throw new AegeesError('NOT_FOUND', 'no such device');
    this.store.transaction(() => {
      this.publishDeviceList(list.devices.filter((device) => !bytesEqual(device.deviceId, deviceId)));
    });
    this.worker.kick();
    this.emit('devicesChanged');
  }

  /** Signs a new version of our device list and card, stores it, and sends it to every contact and our devices. */
  private publishDeviceList(devices: ReadonlyArray<{ certificate: VerifiedCard['deviceList']['devices'][number]['certificate']; mailboxIds: readonly Uint8Array[] }>): void {
    const identity = this.identity;
    const account = identity.account!;
    const list = identity.card.deviceList;
    const { bytes } = signDeviceList(account, { version: list.version + 1, issuedAt: this.now(), devices, relays: list.relays });
    const card = openCard(signCard(account, identity.card.displayName, bytes), account.accountId);
    this.identityValue = saveOwnCard(this.store, identity, card);
    // One envelope per contact: a shared one would show each contact the others' devices.
    const contacts = this.store.contacts.list().filter((contact) => contact.state === 'accepted');
    const targets = contacts.length > 0 ? contacts.map((contact) => [Buffer.from(contact.accountId)]) : [[]];
    for (const accounts of targets) {
      this.enqueue({ type: MessageType.DeviceListUpdate, conversationId: linkConversationId(this.accountId), body: card.bytes, accounts });
    }
  }

  /** Existing device: the new device's certificate request. */
  private applyLinkRequest(message: OpenedMessage): void {
    const approval = this.approvals.get(hex(message.senderDevice));
    const body = decodeDeviceLinkBody(message.body);
    if (!approval || body.step !== 'request' || !bytesEqual(message.senderAccount, this.accountId)) {
      this.warn('ignoring a device-link message that answers no link in progress');
      return;
    }
    const { code } = approval;
    if (!constantTimeEqual(linkProof(code.secret, 'request', [body.certificateRequest, ...body.mailboxIds]), body.proof)) {
      throw new AegeesError('BAD_SIGNATURE', 'the device-link request does not prove knowledge of the link code');
    }
    const { signature: _unsigned, ...request } = decodeDeviceCertificate(body.certificateRequest);
    if (!bytesEqual(request.signingKey, code.signingKey) || !bytesEqual(request.encryptionKey, code.encryptionKey)) {
      throw new AegeesError('BAD_SIGNATURE', 'the device-link request names other keys than the link code');
    }
    const identity = this.identity;
    const list = identity.card.deviceList;
    if (body.mailboxIds.length !== list.relays.length) throw new AegeesError('MALFORMED', 'the device-link request has a mailbox id per relay missing');
    const certificate = issueDeviceCertificate(identity.account!, request);
    this.publishDeviceList([...list.devices, { certificate, mailboxIds: body.mailboxIds }]);
    const groups = this.store.conversations
      .list()
      .filter((conversation) => conversation.kind === 'group' && conversation.memberAccountIds.some((id) => id.equals(this.accountId)))
      .map((group) => ({
        groupId: group.id,
        state: encodeGroupUpdateBody({
          version: group.groupVersion,
          title: group.title,
          members: this.store.conversations.groupMembers(group.id).map(withCard).map(({ accountId, card }) => ({ accountId, card })),
        }),
      }));
    this.enqueueRaw({
      type: MessageType.DeviceLink,
      conversationId: linkConversationId(code.deviceId),
      body: encodeDeviceLinkBody({
        step: 'complete',
        card: this.identity.card.bytes,
        contacts: this.store.contacts.list().flatMap((contact) => (contact.state === 'accepted' && contact.card ? [contact.card] : [])),
        groups,
      }),
      devices: [{ deviceId: code.deviceId, encryptionKey: code.encryptionKey }],
      deposits: [{ relayUrl: code.relayUrl, mailboxIds: [code.mailboxId] }],
    });
    clearTimeout(approval.timer);
    this.approvals.delete(hex(code.deviceId));
    const device = this.devices().find((d) => d.deviceId.equals(code.deviceId))!;
    queueMicrotask(() => {
      approval.resolve(device);
      this.emit('devicesChanged');
    });
  }

  /** New device: the only messages it can read before it is linked are the link's own. */
  private receiveWhileLinking(relayUrl: string, pushed: PushedEnvelope): void {
    const linking = this.linking!;
    let message: OpenedMessage;
    try {
      message = openEnvelope(pushed.envelope, linking.device, (header) => this.linkPeerKey(header));
    } catch (error) {
      this.warn(`rejected envelope ${hex(pushed.msgId)} from ${relayUrl} while linking`, error);
      return;
    }
    const body = message.type === MessageType.DeviceLink ? decodeDeviceLinkBody(message.body) : undefined;
    if (body?.step === 'offer') this.answerLinkOffer(message, body.card, body.proof);
    else if (body?.step === 'complete' && linking.offeredCard) this.completeLink(message, body);
    else this.warn(`ignoring a message of type ${message.type} while linking`);
  }

  private linkPeerKey(header: HeaderBlock): Uint8Array | undefined {
    if (header.type !== MessageType.DeviceLink) return undefined;
    const body = decodeDeviceLinkBody(header.body);
    const card = body.step === 'offer' ? openCard(body.card, header.senderAccount) : this.linking?.offeredCard;
    return card && findDevice(card.deviceList, header.senderDevice)?.certificate.signingKey;
  }

  private answerLinkOffer(message: OpenedMessage, cardBytes: Uint8Array, proof: Uint8Array): void {
    const linking = this.linking!;
    if (!constantTimeEqual(linkProof(linking.secret, 'offer', [cardBytes]), proof)) {
      this.warn('ignoring a device-link offer that does not prove knowledge of our link code');
      return;
    }
    const card = openCard(cardBytes, message.senderAccount);
    linking.offeredCard = card;
    const accountId = card.deviceList.accountId;
    for (const relay of card.deviceList.relays) {
      this.store.roster.add({ url: relay.url, identityKey: relay.relayKey, source: 'embedded', inbox: false, addedAt: this.now() });
    }
    const request = createCertificateRequest(linking.device, accountId, { createdAt: this.now(), label: linking.label });
    const certificateRequest = encodeDeviceCertificate({ ...request, signature: new Uint8Array(64) });
    const mailboxIds = card.deviceList.relays.map((relay) => mailboxIdFor(linking.device.mailboxRootSecret, relay.relayKey));
    const devices = card.deviceList.devices;
    this.store.transaction(() => {
      this.enqueueRaw({
        type: MessageType.DeviceLink,
        conversationId: linkConversationId(linking.device.deviceId),
        body: encodeDeviceLinkBody({ step: 'request', proof: linkProof(linking.secret, 'request', [certificateRequest, ...mailboxIds]), certificateRequest, mailboxIds }),
        devices: devices.map((device) => ({ deviceId: device.deviceId, encryptionKey: device.certificate.encryptionKey })),
        deposits: card.deviceList.relays.map((relay, index) => ({ relayUrl: relay.url, mailboxIds: devices.map((device) => device.mailboxIds[index]!) })),
        sender: { accountId, device: linking.device },
      });
    });
  }

  private completeLink(message: OpenedMessage, body: Extract<ReturnType<typeof decodeDeviceLinkBody>, { step: 'complete' }>): void {
    const linking = this.linking!;
    const offered = linking.offeredCard!;
    const accountId = Buffer.from(offered.deviceList.accountId);
    const card = openCard(body.card, accountId);
    if (!findDevice(offered.deviceList, message.senderDevice) || !findDevice(card.deviceList, linking.device.deviceId)) {
      this.warn('ignoring a device-link completion that does not include this device');
      return;
    }
    const now = this.now();
    this.store.transaction(() => {
      this.store.identity.put({
        accountId,
        deviceId: linking.device.deviceId,
        displayName: card.displayName,
        deviceList: card.deviceListBytes,
        deviceListVersion: card.deviceList.version,
        card: card.bytes,
        createdAt: now,
      });
      this.identityValue = { account: undefined, device: linking.device, card };
      for (const relay of card.deviceList.relays) {
        this.store.roster.add({ url: relay.url, identityKey: relay.relayKey, source: 'embedded', inbox: true, addedAt: now });
        this.store.roster.setInbox(relay.url, true);
      }
      for (const contactCard of body.contacts) {
        const contact = openCard(contactCard);
        this.saveContact(contact, 'accepted', this.store.contacts.get(contact.deviceList.accountId));
      }
      for (const group of body.groups) {
        const state = decodeGroupUpdateBody(group.state);
        const members = state.members.map((m) => ({ accountId: Buffer.from(m.accountId), card: Buffer.from(openCard(m.card, m.accountId).bytes), role: 'member' as const }));
        if (!this.store.conversations.get(group.groupId)) {
          this.store.conversations.create({ kind: 'group', id: group.groupId, title: state.title, members: [], createdAt: now });
        }
        this.store.conversations.setGroupState(group.groupId, { title: state.title, version: state.version, members }, now);
      }
    });
    this.linking = undefined;
    this.directory.forget();
    if (this.started) this.watchRoster();
    queueMicrotask(() => {
      this.emit('profileChanged');
      this.emit('contactsChanged');
    });
  }

  // ── Groups ──────────────────────────────────────────────────────────────────────────

  /** Creates a group of accepted contacts; every member device gets the signed group state. */
  async createGroup(title: string, memberAccountIds: readonly Uint8Array[]): Promise<ConversationView> {
    const me = this.accountId;
    const others = uniqueAccounts(memberAccountIds).filter((id) => !id.equals(me));
    const state: GroupState = {
      title,
      version: 1,
      members: [{ accountId: me, card: Buffer.from(this.identity.card.bytes), role: 'admin' }, ...others.map((id) => this.memberFromContact(id))],
    };
    const id = randomBytes(32);
    const now = this.now();
    this.store.transaction(() => {
      this.store.conversations.create({ kind: 'group', id, title, members: state.members, createdAt: now });
      this.store.conversations.setGroupState(id, state, now);
      this.sendGroupState(id, state, []);
    });
    this.worker.kick();
    const view = this.conversationView(id);
    this.emit('conversationUpdated', view);
    return view;
  }

  async addGroupMember(conversationId: Uint8Array, accountId: Uint8Array): Promise<ConversationView> {
    const group = this.group(conversationId);
    const members = this.store.conversations.groupMembers(conversationId);
    if (members.some((m) => m.accountId.equals(accountId))) return this.conversationView(conversationId);
    const added = this.memberFromContact(Buffer.from(accountId));
    return this.changeGroup(group, [...members.map(withCard), added], []);
  }

  async removeGroupMember(conversationId: Uint8Array, accountId: Uint8Array): Promise<ConversationView> {
    const group = this.group(conversationId);
    const members = this.store.conversations.groupMembers(conversationId);
    if (!members.some((m) => m.accountId.equals(accountId))) throw new AegeesError('NOT_FOUND', 'not a member of this group');
    // The removed member hears of it too, so its copy of the group stops accepting messages.
    return this.changeGroup(group, members.filter((m) => !m.accountId.equals(accountId)).map(withCard), [Buffer.from(accountId)]);
  }

  private group(conversationId: Uint8Array): ConversationRecord {
    const group = this.store.conversations.get(conversationId);
    if (group?.kind !== 'group') throw new AegeesError('NOT_FOUND', 'no such group');
    if (!group.memberAccountIds.some((id) => id.equals(this.accountId))) throw new AegeesError('INVALID_ARGUMENT', 'you are no longer a member of this group');
    return group;
  }

  private memberFromContact(accountId: Buffer): GroupState['members'][number] {
    const contact = this.store.contacts.get(accountId);
    if (contact?.state !== 'accepted' || !contact.card) throw new AegeesError('INVALID_ARGUMENT', 'group members must be accepted contacts');
    return { accountId, card: Buffer.from(contact.card), role: 'member' };
  }

  private async changeGroup(group: ConversationRecord, members: GroupState['members'], alsoTell: Buffer[]): Promise<ConversationView> {
    const state: GroupState = { title: group.title, version: group.groupVersion + 1, members };
    this.store.transaction(() => {
      this.store.conversations.setGroupState(group.id, state, this.now());
      this.sendGroupState(group.id, state, alsoTell);
    });
    this.worker.kick();
    const view = this.conversationView(group.id);
    this.emit('conversationUpdated', view);
    return view;
  }

  private sendGroupState(groupId: Uint8Array, state: GroupState, alsoTell: readonly Buffer[]): void {
    const others = state.members.filter((m) => !Buffer.from(m.accountId).equals(this.accountId));
    this.enqueue({
      type: MessageType.GroupUpdate,
      conversationId: groupId,
      body: encodeGroupUpdateBody({ version: state.version, title: state.title, members: state.members.map(({ accountId, card }) => ({ accountId, card })) }),
      accounts: [...others.map((m) => m.accountId), ...alsoTell],
      extraCards: others.map((m) => openCard(m.card, m.accountId)),
    });
  }

  /** A newer group state from a member (or the first state of a group a contact added us to). */
  private applyGroupUpdate(message: OpenedMessage): void {
    const body = decodeGroupUpdateBody(message.body);
    const sender = Buffer.from(message.senderAccount);
    const members = body.members.map((m) => ({ accountId: Buffer.from(m.accountId), card: Buffer.from(openCard(m.card, m.accountId).bytes) }));
    const existing = this.store.conversations.get(message.conversationId);
    const now = this.now();
    if (existing) {
      if (existing.kind !== 'group' || !existing.memberAccountIds.some((id) => id.equals(sender))) {
        this.warn(`ignoring a group update from ${hex(sender)}, who is not a member`);
        return;
      }
      if (body.version <= existing.groupVersion) return;
    } else {
      const fromContact = sender.equals(this.accountId) || this.store.contacts.get(sender)?.state === 'accepted';
      const includesMe = members.some((m) => m.accountId.equals(this.accountId));
      if (!fromContact || !includesMe || !members.some((m) => m.accountId.equals(sender))) {
        this.warn(`ignoring an invitation to a group from ${hex(sender)}`);
        return;
      }
      this.store.conversations.create({ kind: 'group', id: message.conversationId, title: body.title, members: [], createdAt: now });
    }
    const state: GroupState = {
      title: body.title,
      version: body.version,
      members: members.map((m) => ({ ...m, role: existing ? 'member' : m.accountId.equals(sender) ? 'admin' : 'member' })),
    };
    this.store.conversations.setGroupState(message.conversationId, state, now);
    this.directory.forget();
    queueMicrotask(() => this.emit('conversationUpdated', this.conversationView(message.conversationId)));
  }

  // ── Settings ────────────────────────────────────────────────────────────────────────

  settings(): Settings {
    const stored = (name: keyof Settings) => this.store.settings.get(name);
    return {
      redundancy: typeof stored('redundancy') === 'number' ? (stored('redundancy') as number) : DEFAULT_SETTINGS.redundancy,
      theme: ['system', 'light', 'dark'].includes(stored('theme') as string) ? (stored('theme') as Settings['theme']) : DEFAULT_SETTINGS.theme,
      notificationPreviews: typeof stored('notificationPreviews') === 'boolean' ? (stored('notificationPreviews') as boolean) : DEFAULT_SETTINGS.notificationPreviews,
    };
  }

  updateSettings(changes: Partial<Settings>): Settings {
    if (changes.redundancy !== undefined && (!Number.isInteger(changes.redundancy) || changes.redundancy < 1 || changes.redundancy > 5)) {
      throw new AegeesError('INVALID_ARGUMENT', 'redundancy must be 1 to 5 copies');
    }
    for (const [name, value] of Object.entries(changes)) if (value !== undefined) this.store.settings.set(name, value);
    return this.settings();
  }

  /** Resolves once every envelope received so far has been processed (for orderly tests and shutdown). */
  idle(): Promise<void> {
    return this.received.idle();
  }

  /** Deposits still waiting for a relay. */
  pendingDeposits(): number {
    return this.store.outbox.due(Number.MAX_SAFE_INTEGER, 1_000).length;
  }

  // ── Backup ──────────────────────────────────────────────────────────────────────────

  /**
   * Writes the whole profile (history, contacts, keys, attachments) to `path` as one
   * passphrase-encrypted file (docs/PROTOCOL.md §10) while the messenger keeps running.
   * `limits` is the Argon2id cost, strong by default.
   */
  exportBackup(path: string, passphrase: Passphrase, onProgress?: BackupProgress, limits?: PwhashLimits): Promise<void> {
    return exportBackup({ profileDir: this.profileDir, secrets: this.secrets, targetPath: path, passphrase, onProgress, limits });
  }

  /**
   * Restores a backup as a new profile in `options.profileDir`, which must not hold
   * anything yet; open it with `Messenger.open` afterwards. See importBackup for errors.
   */
  static importBackup(options: ImportBackupOptions): Promise<void> {
    return importBackup(options);
  }

  // ── Sending internals ───────────────────────────────────────────────────────────────

  /**
   * Seals and queues one envelope inside the caller's transaction; returns the chat
   * message's seq (0 for envelopes that carry no chat message).
   */
  private enqueue(input: {
    type: MessageType;
    conversationId: Uint8Array;
    body: Uint8Array;
    accounts: readonly Uint8Array[];
    extraCards?: readonly VerifiedCard[];
    preferredRelayUrl?: string | undefined;
    files?: ReadonlyArray<{ sealed: SealedFile; name: string; mime: string }>;
    chatText?: string;
  }): number {
    const identity = this.identity;
    const recipients = this.directory.recipients(input.accounts, input.extraCards);
    const plans = planDeposits(recipients.accounts, {
      preferredRelayUrl: input.preferredRelayUrl,
      redundancy: this.settings().redundancy,
      randomInt: (bound) => Math.floor(this.random() * bound),
      isDown: (url) => this.pool.isDown(url),
    });
    // A recipient fetches from the relay that pushed the envelope first, so the blob's
    // other locations may be capped at what a descriptor can carry.
    const relayUrls = plans.map((plan) => plan.relay.url).slice(0, MAX_ATTACHMENT_RELAYS);
    const attachments: AttachmentDescriptor[] = (input.files ?? []).map(({ sealed, name, mime }) => ({
      blobId: sealed.blobId,
      relays: relayUrls,
      size: sealed.size,
      mime,
      name,
      key: sealed.key,
      ciphertextHash: sealed.ciphertextHash,
    }));
    const sentAt = this.now();
    const chatText = input.chatText;
    const record =
      chatText === undefined
        ? undefined
        : (msgId: Buffer) =>
            this.store.messages.insertOutgoing({
              id: msgId,
              conversationId: input.conversationId,
              senderAccountId: accountIdOf(identity),
              senderDeviceId: identity.device.deviceId,
              sentAt,
              receivedAt: sentAt,
              body: chatText,
              attachments: attachments.map((descriptor, index) => ({
                ...descriptor,
                relayUrls: descriptor.relays,
                localPath: input.files![index]!.sealed.localPath,
                state: 'ready' as const,
              })),
              recipients: recipients.pairs.filter((pair) => !pair.accountId.equals(accountIdOf(identity))),
            });
    const { seq } = this.enqueueRaw(
      {
        type: input.type,
        conversationId: input.conversationId,
        body: input.body,
        devices: recipients.devices,
        deposits: plans.map((plan) => ({ relayUrl: plan.relay.url, mailboxIds: plan.mailboxIds.map((id) => Buffer.from(id, 'hex')) })),
      },
      { sentAt, attachments, ...(record ? { record } : {}) },
    );
    return seq;
  }

  /** Seals one envelope for explicit devices and queues its deposits, inside the caller's transaction. */
  private enqueueRaw(
    input: RawEnvelope,
    extra: { sentAt?: number; attachments?: AttachmentDescriptor[]; record?: (msgId: Buffer) => number } = {},
  ): { msgId: Buffer; seq: number } {
    const sender = input.sender ?? { accountId: this.accountId, device: this.identity.device };
    const sentAt = extra.sentAt ?? this.now();
    const attachments = extra.attachments ?? [];
    const envelope = sealEnvelope(sender, {
      type: input.type,
      conversationId: input.conversationId,
      sentAt,
      body: input.body,
      attachments,
      recipients: input.devices,
    });
    // Our own copy is known: copies our other devices receive must not come back as new.
    this.store.seen.checkAndInsert(envelope.msgId, sentAt);
    const seq = extra.record?.(envelope.msgId) ?? 0;
    if (input.deposits.length > 0) {
      this.store.outbox.enqueue({
        msgId: envelope.msgId,
        envelope: envelope.bytes,
        messageSeq: seq || null,
        blobIds: attachments.map((attachment) => attachment.blobId),
        deposits: input.deposits,
        createdAt: sentAt,
      });
    }
    return { msgId: envelope.msgId, seq };
  }

  private queueReceipt(kind: ReceiptKind, conversationId: Uint8Array, senderAccount: Uint8Array, msgIds: Uint8Array[]): void {
    for (let i = 0; i < msgIds.length; i += MAX_RECEIPT_IDS) {
      this.enqueue({
        type: MessageType.Receipt,
        conversationId,
        body: encodeReceiptBody({ kind, msgIds: msgIds.slice(i, i + MAX_RECEIPT_IDS) }),
        accounts: [senderAccount],
      });
    }
  }

  // ── Receiving internals ─────────────────────────────────────────────────────────────

  /**
   * One burst of pushed copies (ReceiveQueue), in arrival order, whichever relay pushed
   * them. With an account they are applied one after another in one transaction, so a
   * backlog costs one durable commit per burst; a chat message with attachments splits the
   * burst: the transaction so far commits, the files are downloaded, and the next
   * transaction starts with that message. The queue acks only after this resolves, so every
   * copy it acks was committed.
   */
  private async receiveBurst(burst: readonly IncomingCopy[]): Promise<CopyOutcome[]> {
    const outcomes: CopyOutcome[] = [];
    let fetched: FetchedChat | undefined;
    while (outcomes.length < burst.length) {
      if (!this.identityValue) {
        outcomes.push(this.receiveWithoutAccount(burst[outcomes.length]!));
        continue;
      }
      const segment = this.receiveSegment(burst, outcomes.length, fetched);
      fetched = undefined;
      outcomes.push(...segment.outcomes);
      if (segment.needsFiles) {
        const attachments = await this.fetchAttachments(segment.needsFiles, burst[outcomes.length]!.relayUrl);
        if (attachments) fetched = { message: segment.needsFiles, attachments };
        else outcomes.push('retry');
      }
    }
    // Applying may have queued envelopes of its own (receipts, a link completion).
    this.worker.kick();
    return outcomes;
  }

  /**
   * Applies copies from `start` on in one transaction, each in a savepoint (one that fails
   * rolls back alone and stays on its relay), until the burst ends or a chat message needs
   * its attachments first (`needsFiles`; the next call gets it back as `fetched`). The
   * delivery receipts for what it stored are queued in the same transaction, one per
   * sender and conversation; what it stored is announced once it has committed.
   */
  private receiveSegment(
    burst: readonly IncomingCopy[],
    start: number,
    fetched: FetchedChat | undefined,
  ): { outcomes: CopyOutcome[]; needsFiles?: OpenedMessage } {
    const outcomes: CopyOutcome[] = [];
    const received: Received = { added: [], receipts: new Map() };
    let needsFiles: OpenedMessage | undefined;
    try {
      this.store.transaction(() => {
        for (let index = start; index < burst.length && !needsFiles; index++) {
          const copy = burst[index]!;
          const step = index === start && fetched
            ? this.applyCopy(copy, fetched.message, received, fetched.attachments)
            : this.receiveCopy(copy, received);
          if (typeof step === 'string') outcomes.push(step);
          else needsFiles = step;
        }
        this.queueDeliveryReceipts(received);
      });
    } catch (error) {
      // The commit itself failed (disk full, I/O error): nothing of this transaction is
      // stored, so none of its copies may be acked; the whole rest of the burst is offered
      // again later.
      this.warn('storing received envelopes failed', error);
      this.directory.forget();
      return { outcomes: burst.slice(start).map(() => 'retry') };
    }
    for (const { seq, conversationId } of received.added) {
      this.emitMessage('messageAdded', seq);
      this.conversationChanged(conversationId);
    }
    return needsFiles ? { outcomes, needsFiles } : { outcomes };
  }

  /**
   * Dedupes and opens one copy, then applies it. Returns the opened message instead when it
   * is a chat message whose attachments must be downloaded before it can be stored.
   */
  private receiveCopy(copy: IncomingCopy, received: Received): CopyOutcome | OpenedMessage {
    const { relayUrl, pushed, attempt } = copy;
    if (this.store.seen.has(pushed.msgId)) return 'ack';
    let opened: OpenedMessage;
    try {
      opened = openEnvelope(pushed.envelope, this.identity.device, (header) => this.directory.senderKey(header) ?? this.approvalKey(header));
      if (!bytesEqual(opened.msgId, pushed.msgId)) throw new AegeesError('MALFORMED', 'the relay pushed an envelope under another message id');
    } catch (error) {
      // A copy that does not verify is garbage from this relay (tampered, or not for us):
      // drop it there, but do not mark the id seen, so a genuine copy from another relay
      // is still accepted. A sender we cannot verify yet stays on the relay until we can.
      if (isAegeesError(error, 'UNKNOWN_SENDER') && attempt < MAX_HOLD_ATTEMPTS) {
        this.warn(`holding ${hex(pushed.msgId)} from ${relayUrl}: sender not known yet`, error);
        return 'retry';
      }
      this.warn(`rejected envelope ${hex(pushed.msgId)} from ${relayUrl}`, error);
      return 'ack';
    }
    if (opened.type === MessageType.ChatMessage && opened.attachments.length > 0 && this.resolveConversation(opened)) return opened;
    return this.applyCopy(copy, opened, received, []);
  }

  /** Applies a verified message in a savepoint; a failure rolls back this message alone. */
  private applyCopy(copy: IncomingCopy, message: OpenedMessage, received: Received, attachments: NewAttachment[]): CopyOutcome {
    try {
      return this.store.transaction(() => this.apply(message, copy.attempt, received, attachments)) ? 'ack' : 'retry';
    } catch (error) {
      this.warn(`processing ${hex(copy.pushed.msgId)} from ${copy.relayUrl} failed`, error);
      return 'retry';
    }
  }

  /** One delivery receipt per sender and conversation for the chat messages a transaction stored. */
  private queueDeliveryReceipts(received: Received): void {
    for (const { sender, conversationId, msgIds } of received.receipts.values()) {
      try {
        this.store.transaction(() => this.queueReceipt('delivered', conversationId, sender, msgIds));
      } catch (error) {
        // The messages are stored; only the sender's "delivered" mark is lost, not worth them.
        this.warn(`queueing a delivery receipt for ${hex(sender)} failed`, error);
      }
    }
  }

  /** Before this profile has an account, only a link in progress reads anything; the rest is dropped. */
  private receiveWithoutAccount(copy: IncomingCopy): CopyOutcome {
    try {
      if (this.linking) this.receiveWhileLinking(copy.relayUrl, copy.pushed);
      return 'ack';
    } catch (error) {
      this.warn(`processing ${hex(copy.pushed.msgId)} from ${copy.relayUrl} failed`, error);
      return 'retry';
    }
  }

  /** The signing key of a device that is answering our link offer (it is not in our device list yet). */
  private approvalKey(header: HeaderBlock): Uint8Array | undefined {
    if (header.type !== MessageType.DeviceLink || !bytesEqual(header.senderAccount, this.accountId)) return undefined;
    return this.approvals.get(hex(header.senderDevice))?.code.signingKey;
  }

  /** Applies a verified message inside the caller's transaction; false leaves it on the relay to try again later. */
  private apply(message: OpenedMessage, attempt: number, received: Received, attachments: NewAttachment[]): boolean {
    switch (message.type) {
      case MessageType.ChatMessage:
        return this.applyChat(message, attempt, received, attachments);
      case MessageType.Receipt:
        return this.applyOnce(message, () => this.applyReceipt(message));
      case MessageType.ContactRequest:
      case MessageType.ContactAccept:
        return this.applyOnce(message, () => this.applyContactCard(message));
      case MessageType.DeviceListUpdate:
        return this.applyOnce(message, () => this.applyContactCard(message));
      case MessageType.GroupUpdate:
        return this.applyOnce(message, () => this.applyGroupUpdate(message));
      case MessageType.DeviceLink:
        return this.applyOnce(message, () => this.applyLinkRequest(message));
      default:
        this.warn(`ignoring a message of type ${message.type} this version does not handle`);
        return this.applyOnce(message, () => undefined);
    }
  }

  private applyOnce(message: OpenedMessage, work: () => void): boolean {
    this.store.transaction(() => {
      if (this.store.seen.checkAndInsert(message.msgId, this.now())) work();
    });
    return true;
  }

  private resolveConversation(message: OpenedMessage): ConversationRecord | undefined {
    const conversation = this.store.conversations.get(message.conversationId);
    if (!conversation) return undefined;
    const sender = Buffer.from(message.senderAccount);
    const fromMe = sender.equals(this.accountId);
    if (conversation.kind === 'direct') {
      const peer = conversation.peerAccountId!;
      const contact = this.store.contacts.get(peer);
      if (!fromMe && !(sender.equals(peer) && contact?.state === 'accepted')) return undefined;
      return conversation;
    }
    return fromMe || conversation.memberAccountIds.some((id) => id.equals(sender)) ? conversation : undefined;
  }

  /** `attachments`: the message's files, already downloaded (receiveCopy fetches them first). */
  private applyChat(message: OpenedMessage, attempt: number, received: Received, attachments: NewAttachment[]): boolean {
    const conversation = this.resolveConversation(message);
    if (!conversation) {
      // Relays keep no order between envelopes: the accept of someone we asked may come
      // after their first message, a group's first state after its first message, the
      // update that added a member after that member's first message. Left on the relay,
      // the message is tried again a few times; past that it is dropped, so a stranger's
      // messages cannot hold the relay's push window for long.
      const requested = this.store.contacts.get(message.senderAccount)?.state === 'request-sent';
      const directFromRequested = requested && bytesEqual(message.conversationId, directConversationId(this.accountId, message.senderAccount));
      const known = this.store.conversations.get(message.conversationId);
      if ((directFromRequested || !known || known.kind === 'group') && attempt < MAX_HOLD_ATTEMPTS) return false;
      this.warn(`dropping a chat message ${hex(message.msgId)} for a conversation this account is not in with its sender`);
      return this.applyOnce(message, () => undefined);
    }
    if (attachments.length !== message.attachments.length) throw new AegeesError('INTERNAL', 'a chat message reached the store without its attachments');
    const text = decodeChatBody(message.body).text;
    const fromMe = Buffer.from(message.senderAccount).equals(this.accountId);
    const stored = this.store.messages.receive({
      id: message.msgId,
      conversationId: conversation.id,
      senderAccountId: message.senderAccount,
      senderDeviceId: message.senderDevice,
      sentAt: message.sentAt,
      receivedAt: this.now(),
      body: text,
      attachments,
    }, { fromOwnDevice: fromMe });
    if (stored.stored) {
      received.added.push({ seq: stored.seq, conversationId: conversation.id });
      if (!fromMe) addReceiptId(received, conversation.id, message.senderAccount, message.msgId);
    }
    return true;
  }

  /**
   * Downloads every attachment of a chat message; undefined when one is not available now.
   * Progress goes out for the message as a whole (every file's encrypted bytes), and only
   * for a message of a conversation its sender is in: a stranger's gets no indicator.
   */
  private async fetchAttachments(message: OpenedMessage, pushedBy: string): Promise<NewAttachment[] | undefined> {
    const attachments: NewAttachment[] = [];
    const sizes = message.attachments.map((descriptor) => attachmentCiphertextSize(descriptor.size));
    const total = sizes.reduce((sum, size) => sum + size, 0);
    const id = [message.conversationId, message.senderAccount, message.msgId].map(hex).join(':');
    const report = this.resolveConversation(message) ? (done: number, all: number) => this.reportTransfer('attachment-download', id, done, all) : undefined;
    let before = 0;
    for (const [index, descriptor] of message.attachments.entries()) {
      const start = before;
      const localPath = await this.fetchAttachment(descriptor, pushedBy, report && ((done) => report(start + done, total)));
      if (!localPath) {
        if (report && this.transfers.has(`attachment-download:${id}`)) report(0, 0);
        return undefined;
      }
      before += sizes[index]!;
      attachments.push({ ...descriptor, relayUrls: descriptor.relays, localPath, state: 'ready' });
    }
    // Every file is here and verified: the last report says so even if a chunk count fell short.
    if (report && this.transfers.has(`attachment-download:${id}`)) report(total, total);
    return attachments;
  }

  /** Downloads from the relay that pushed the message first, then the others it names. */
  private async fetchAttachment(descriptor: AttachmentDescriptor, pushedBy: string, onBytes?: TransferBytes): Promise<string | undefined> {
    const order = [pushedBy, ...descriptor.relays.filter((url) => url !== pushedBy)];
    for (const url of order) {
      const relayKey = this.directory.relayKey(url);
      if (!relayKey) continue;
      try {
        return await downloadAttachment(this.profileDir, this.pool.client(url, relayKey), descriptor, onBytes);
      } catch (error) {
        this.warn(`attachment ${hex(descriptor.blobId)} from ${url} failed`, error);
      }
    }
    return undefined;
  }

  /** Upload bytes of one attachment (OutboxWorker): reported by the attachment's contract id. */
  private uploadProgress(seq: number, blobId: Uint8Array, done: number, total: number): void {
    const key = `${seq}:${hex(blobId)}`;
    let id = this.uploadIds.get(key);
    if (id === undefined) {
      const record = this.store.messages.getBySeq(seq)?.attachments.find((attachment) => bytesEqual(attachment.blobId, blobId));
      id = record ? String(record.id) : null;
      this.uploadIds.set(key, id);
    }
    const last = total === 0 || done >= total;
    if (last) this.uploadIds.delete(key);
    if (id !== null) this.reportTransfer('attachment-upload', id, done, total);
  }

  /**
   * One throttled reporter per transfer (the backups' progressReporter), dropped after its
   * last report: `done` reaching `total`, or `total` 0 for a transfer that stopped unfinished.
   */
  private reportTransfer(operation: 'attachment-upload' | 'attachment-download', id: string, done: number, total: number): void {
    const key = `${operation}:${id}`;
    let report = this.transfers.get(key);
    if (!report) {
      report = progressReporter(operation, (payload) => this.emit('transferProgress', payload), id);
      this.transfers.set(key, report);
    }
    report(done, total);
    if (total === 0 || done >= total) this.transfers.delete(key);
  }

  private applyReceipt(message: OpenedMessage): void {
    const { kind, msgIds } = decodeReceiptBody(message.body);
    const changed: number[] = [];
    for (const id of msgIds) {
      const sent = this.store.messages.get(id);
      if (!sent?.outgoing) continue;
      const current = this.store.messages.recipients(sent.seq).find(
        (r) => bytesEqual(r.accountId, message.senderAccount) && bytesEqual(r.deviceId, message.senderDevice),
      );
      if (!current || current.state === 'read' || (current.state === 'delivered' && kind === 'delivered')) continue;
      this.store.messages.setRecipientState(sent.seq, message.senderAccount, message.senderDevice, kind, message.sentAt);
      changed.push(sent.seq);
    }
    queueMicrotask(() => {
      for (const seq of changed) this.emitMessage('messageUpdated', seq);
    });
  }

  /** Contact requests, accepts and device-list updates all carry the sender's newest card. */
  private applyContactCard(message: OpenedMessage): void {
    const sender = Buffer.from(message.senderAccount);
    const card = openCard(message.body, sender);
    if (sender.equals(this.accountId)) {
      this.applyOwnCard(card);
      return;
    }
    const existing = this.store.contacts.get(sender);
    let state: ContactState = existing?.state ?? 'request-received';
    if (message.type === MessageType.ContactAccept && existing?.state === 'request-sent') state = 'accepted';
    if (message.type === MessageType.ContactRequest && existing?.state === 'request-sent') state = 'accepted';
    if (message.type === MessageType.DeviceListUpdate && !existing) return;
    try {
      this.saveContact(card, state, existing);
    } catch (error) {
      if (!isAegeesError(error, 'ROLLBACK')) throw error;
      this.warn(`refused an older device list from ${hex(sender)}`, error);
      return;
    }
    queueMicrotask(() => this.emit('contactsChanged'));
  }

  /** Another of our devices linked or revoked a device: take the newer list; notice if it revoked us. */
  private applyOwnCard(card: VerifiedCard): void {
    const identity = this.identity;
    if (checkDeviceListUpdate(identity.card.deviceList, card.deviceList) === 'same') return;
    this.identityValue = saveOwnCard(this.store, identity, card);
    if (!findDevice(card.deviceList, identity.device.deviceId)) this.warn('this device was revoked from the account');
    queueMicrotask(() => this.emit('devicesChanged'));
  }

  // ── Views ───────────────────────────────────────────────────────────────────────────

  /** What a conversation is called: the contact's name, or the group's title. */
  conversationTitle(conversationId: Uint8Array): string {
    const record = this.store.conversations.get(conversationId);
    if (!record) throw new AegeesError('NOT_FOUND', 'no such conversation');
    return this.titleOf(record);
  }

  private titleOf(record: ConversationRecord): string {
    return record.kind === 'direct' ? (this.store.contacts.get(record.peerAccountId!)?.displayName ?? '') : record.title;
  }

  private viewOf(record: ConversationRecord): ConversationView {
    const latest = this.store.conversations.latestMessageSeq(record.id);
    const title = this.titleOf(record);
    return {
      ...record,
      title,
      unreadCount: this.store.conversations.unreadCount(record),
      lastMessage: latest === undefined ? undefined : this.store.messages.getBySeq(latest),
    };
  }

  private messageView(message: StoredMessage): MessageView {
    const recipients = message.outgoing ? this.store.messages.recipients(message.seq) : [];
    const perAccount = (state: 'delivered' | 'read') =>
      [...groupBy(recipients.filter((r) => r.state === state || (state === 'delivered' && r.state === 'read')), (r) => hex(r.accountId))].map(
        ([account, rows]) => ({ accountId: Buffer.from(account, 'hex'), at: Math.max(...rows.map((r) => r.updatedAt)) }),
      );
    const others = new Set(recipients.filter((r) => !r.accountId.equals(this.accountId)).map((r) => hex(r.accountId)));
    return {
      ...message,
      recipientAccounts: others.size,
      storedOn: message.outgoing ? this.store.messages.storedOn(message.seq) : [],
      deliveredTo: perAccount('delivered'),
      readBy: perAccount('read'),
    };
  }

  private emitMessage(event: 'messageAdded' | 'messageUpdated', seq: number): void {
    const message = this.store.messages.getBySeq(seq);
    if (message) this.emit(event, this.messageView(message));
  }

  /**
   * One conversationUpdated per conversation after the current burst of received messages,
   * not one per message: a view counts the unread messages, so a view per message of a
   * backlog costs time in proportion to the square of its length.
   */
  private conversationChanged(conversationId: Buffer): void {
    if (this.changedConversations.size === 0) {
      setImmediate(() => {
        const ids = [...this.changedConversations.values()];
        this.changedConversations.clear();
        if (!this.started) return; // closing: the store may be gone
        for (const id of ids) {
          try {
            const view = this.store.conversations.get(id) && this.conversationView(id);
            if (view) this.emit('conversationUpdated', view);
          } catch (error) {
            this.warn(`updating conversation ${hex(id)} failed`, error);
          }
        }
      });
    }
    this.changedConversations.set(hex(conversationId), conversationId);
  }

  private warn(message: string, error?: unknown): void {
    this.options.onWarning?.(message, error);
  }
}

/** Canonical form of a relay URL, so one relay is one roster entry. */
export function normalizeRelayUrl(url: string): string {
  return relayBaseUrl(url).href.replace(/\/+$/, '');
}

function addReceiptId(received: Received, conversationId: Uint8Array, sender: Uint8Array, msgId: Uint8Array): void {
  const key = `${hex(sender)} ${hex(conversationId)}`;
  const receipt = received.receipts.get(key);
  if (receipt) receipt.msgIds.push(msgId);
  else received.receipts.set(key, { sender, conversationId, msgIds: [msgId] });
}

function uniqueAccounts(ids: readonly Uint8Array[]): Buffer[] {
  return [...new Map(ids.map((id) => [hex(id), Buffer.from(id)])).values()];
}

function withCard(member: { accountId: Buffer; card: Buffer | null; role: 'admin' | 'member' }): GroupState['members'][number] {
  if (!member.card) throw new AegeesError('NOT_FOUND', `no contact card is known for group member ${hex(member.accountId)}`);
  return { accountId: member.accountId, card: member.card, role: member.role };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
