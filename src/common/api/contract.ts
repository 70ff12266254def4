// The API contract between the UI and the process that holds the keys (Electron main or
// the browser-target web host). The renderer sees nothing else. Every method's argument
// and result, and every event's payload, has a zod schema: both transports validate
// arguments on the receiving side before anything runs, and results before the UI uses them.
import { z } from 'zod';
import { LIMITS } from './limits.js';

/** Ids cross the boundary as base64url or hex strings; never raw objects. */
export const Id = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'not an id');
export const RelayUrl = z
  .string()
  .max(LIMITS.relayUrlChars)
  // https everywhere; the engine accepts plain http only on loopback (development, tests).
  .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'not a relay URL');
/** A relay's Ed25519 identity key, 32 bytes as 64 lowercase hex digits. */
export const RelayKeyHex = z.string().regex(/^[0-9a-f]{64}$/, 'not a 64-digit hex key');
export const Timestamp = z.number().int().nonnegative();
export const Bytes = z.instanceof(Uint8Array);

export const AccountSummary = z.object({
  accountId: Id,
  displayName: z.string(),
  deviceId: Id,
  deviceName: z.string(),
});
export type AccountSummary = z.infer<typeof AccountSummary>;

export const ProfileStatus = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('no-account') }),
  z.object({ kind: z.literal('linking'), code: z.string() }),
  z.object({ kind: z.literal('ready'), me: AccountSummary }),
  /** The OS keychain cannot be reached: `hint` says in plain words what to install or start. */
  z.object({ kind: z.literal('keychain-unavailable'), message: z.string(), hint: z.string() }),
]);
export type ProfileStatus = z.infer<typeof ProfileStatus>;

export const Contact = z.object({
  accountId: Id,
  displayName: z.string(),
  state: z.enum(['accepted', 'request-sent', 'request-received']),
  verified: z.boolean(),
  deviceCount: z.number().int().nonnegative(),
});
export type Contact = z.infer<typeof Contact>;

export const MessageStatus = z.object({
  state: z.enum(['queued', 'stored', 'delivered', 'read', 'received', 'failed']),
  /** Relay URLs that acknowledged a durable copy. */
  storedOn: z.array(RelayUrl),
  deliveredTo: z.array(z.object({ accountId: Id, at: Timestamp })),
  readBy: z.array(z.object({ accountId: Id, at: Timestamp })),
  error: z.string().optional(),
});
export type MessageStatus = z.infer<typeof MessageStatus>;

export const AttachmentInfo = z.object({
  id: Id,
  name: z.string(),
  mime: z.string(),
  size: z.number().int().nonnegative(),
  state: z.enum(['uploading', 'downloading', 'ready', 'failed']),
  /** Bytes transferred so far while uploading or downloading. */
  transferred: z.number().int().nonnegative(),
});
export type AttachmentInfo = z.infer<typeof AttachmentInfo>;

export const Message = z.object({
  id: Id,
  conversationId: Id,
  senderAccountId: Id,
  senderName: z.string(),
  fromMe: z.boolean(),
  sentAt: Timestamp,
  receivedAt: Timestamp,
  /** Plain text. The UI renders it as text, never as HTML. */
  text: z.string(),
  attachments: z.array(AttachmentInfo),
  status: MessageStatus,
});
export type Message = z.infer<typeof Message>;

export const Conversation = z.object({
  id: Id,
  kind: z.enum(['direct', 'group']),
  title: z.string(),
  memberAccountIds: z.array(Id),
  /**
   * Members who are not the reader's contacts, by account id: the name their own card gives
   * and the start of their account id, e.g. "Carol (3f9a0c1d2e4b)".
   */
  strangerNames: z.record(Id, z.string()),
  unreadCount: z.number().int().nonnegative(),
  lastMessage: z.object({ preview: z.string(), sentAt: Timestamp, fromMe: z.boolean() }).nullable(),
  lastActivityAt: Timestamp,
  /** The relay chosen in the server picker for this conversation, or null for automatic (random). */
  sendRelay: RelayUrl.nullable(),
});
export type Conversation = z.infer<typeof Conversation>;

export const RelayInfo = z.object({
  url: RelayUrl,
  identityKey: RelayKeyHex,
  source: z.enum(['default', 'user', 'embedded']),
  status: z.enum(['connected', 'connecting', 'down', 'impostor']),
  /** Round-trip time of the last health check, or null before the first one. */
  latencyMs: z.number().nonnegative().nullable(),
  /** True once the relay proved possession of `identityKey` (signed info document). */
  keyVerified: z.boolean(),
  lastError: z.string().optional(),
});
export type RelayInfo = z.infer<typeof RelayInfo>;

export const Device = z.object({
  deviceId: Id,
  name: z.string(),
  current: z.boolean(),
  linkedAt: Timestamp,
});
export type Device = z.infer<typeof Device>;

export const SearchHit = z.object({
  messageId: Id,
  conversationId: Id,
  conversationTitle: z.string(),
  /** Plain text around the match; `matches` gives [start, end) character ranges to highlight. */
  snippet: z.string(),
  matches: z.array(z.tuple([z.number().int(), z.number().int()])),
  sentAt: Timestamp,
});
export type SearchHit = z.infer<typeof SearchHit>;

export const Settings = z.object({
  theme: z.enum(['system', 'light', 'dark']),
  /** Show message text in desktop notifications; off shows only "New message". */
  notificationPreviews: z.boolean(),
  /** Copies of each message on distinct relays (the primary included). */
  redundancy: z.number().int().min(1).max(LIMITS.maxRedundancy),
});
export type Settings = z.infer<typeof Settings>;

export const OutgoingAttachment = z.object({
  name: z.string().min(1).max(LIMITS.fileNameChars),
  mime: z.string().max(255),
  data: Bytes.refine((bytes) => bytes.length <= LIMITS.maxInlineAttachmentBytes, 'attachment too large'),
});

/**
 * Bytes of one transfer so far, sent when a further whole percent is done and at the end
 * (`done` = `total`). Ids by operation:
 * - `backup-export`, `backup-import`: the operation's name; bytes of the backup file.
 * - `attachment-upload`: the attachment's id (AttachmentInfo.id) in the sender's message;
 *   `done` is the furthest any relay's upload of it has got, `total` its encrypted size
 *   (the secretstream ciphertext the relays store). The message says when a relay stored it.
 * - `attachment-download`: `<conversation id>:<sender account id>:<message id>` (hex ids as
 *   elsewhere), for a chat message not shown yet: it is stored, and `messageAdded` sent,
 *   only after all its files are downloaded and verified. `total` is the encrypted size of
 *   all its files together. Only for a message of a conversation its sender is in.
 * An attachment transfer that stops unfinished (a relay failed; it is retried later, and
 * reported anew) ends with `done` 0 and `total` 0.
 */
export const TransferProgress = z.object({
  operation: z.enum(['backup-export', 'backup-import', 'attachment-upload', 'attachment-download']),
  id: z.string(),
  done: z.number().nonnegative(),
  total: z.number().nonnegative(),
});

const Passphrase = z.string().min(LIMITS.minPassphraseChars).max(1024);
const FilePath = z.string().min(1).max(4096);
const NoArgs = z.object({}).strict();
const Ok = z.object({ ok: z.literal(true) });

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O) {
  return { input, output };
}

/** Every method the UI may call: name → argument and result schemas. */
export const METHODS = {
  getProfileStatus: method(NoArgs, ProfileStatus),
  createAccount: method(z.object({ displayName: z.string().trim().min(1).max(LIMITS.displayNameChars) }).strict(), AccountSummary),

  getInvite: method(NoArgs, z.object({ code: z.string() })),
  addContact: method(z.object({ code: z.string().min(1).max(LIMITS.inviteCodeChars) }).strict(), Contact),
  acceptContact: method(z.object({ accountId: Id }).strict(), Contact),
  listContacts: method(NoArgs, z.array(Contact)),
  getSafetyNumber: method(z.object({ accountId: Id }).strict(), z.object({ digits: z.string(), verified: z.boolean() })),
  setContactVerified: method(z.object({ accountId: Id, verified: z.boolean() }).strict(), Contact),

  listConversations: method(NoArgs, z.array(Conversation)),
  openDirectConversation: method(z.object({ accountId: Id }).strict(), Conversation),
  createGroup: method(
    z.object({ title: z.string().trim().min(1).max(LIMITS.displayNameChars), memberAccountIds: z.array(Id).max(LIMITS.maxGroupMembers) }).strict(),
    Conversation,
  ),
  addGroupMember: method(z.object({ conversationId: Id, accountId: Id }).strict(), Conversation),
  removeGroupMember: method(z.object({ conversationId: Id, accountId: Id }).strict(), Conversation),
  /**
   * Oldest first: the newest `limit` messages, those just before the message `before`, or
   * those just after the message `after`; `hasMore` says whether more lie beyond the page
   * in its direction (older, or newer for `after`).
   */
  listMessages: method(
    z
      .object({ conversationId: Id, before: Id.optional(), after: Id.optional(), limit: z.number().int().min(1).max(LIMITS.maxPageSize) })
      .strict()
      .refine((value) => value.before === undefined || value.after === undefined, 'before and after cannot both be given'),
    z.object({ messages: z.array(Message), hasMore: z.boolean() }),
  ),
  sendMessage: method(
    z
      .object({
        conversationId: Id,
        text: z.string().max(LIMITS.messageTextChars),
        attachments: z.array(OutgoingAttachment).max(LIMITS.maxAttachmentsPerMessage).default([]),
        /** Send this one message through this relay instead of the conversation's choice. */
        relayUrl: RelayUrl.optional(),
      })
      .strict()
      .refine((value) => value.text.trim().length > 0 || value.attachments.length > 0, 'empty message'),
    Message,
  ),
  markRead: method(z.object({ conversationId: Id }).strict(), Ok),
  getAttachmentData: method(z.object({ messageId: Id, attachmentId: Id }).strict(), z.object({ name: z.string(), mime: z.string(), data: Bytes })),
  search: method(z.object({ query: z.string().trim().min(1).max(256), limit: z.number().int().min(1).max(LIMITS.maxPageSize) }).strict(), z.array(SearchHit)),

  listRelays: method(NoArgs, z.array(RelayInfo)),
  addRelay: method(z.object({ url: RelayUrl, identityKey: RelayKeyHex }).strict(), RelayInfo),
  removeRelay: method(z.object({ url: RelayUrl }).strict(), Ok),
  setConversationRelay: method(z.object({ conversationId: Id, relayUrl: RelayUrl.nullable() }).strict(), Conversation),

  listDevices: method(NoArgs, z.array(Device)),
  /** On a new device without an account: returns the one-time code to enter on an existing device. */
  beginDeviceLink: method(z.object({ deviceName: z.string().trim().min(1).max(LIMITS.displayNameChars) }).strict(), z.object({ code: z.string() })),
  approveDeviceLink: method(z.object({ code: z.string().min(1).max(LIMITS.inviteCodeChars) }).strict(), Device),
  revokeDevice: method(z.object({ deviceId: Id }).strict(), Ok),

  exportBackup: method(z.object({ path: FilePath, passphrase: Passphrase }).strict(), z.object({ path: FilePath, bytes: z.number().int() })),
  importBackup: method(z.object({ path: FilePath, passphrase: Passphrase }).strict(), AccountSummary),

  getSettings: method(NoArgs, Settings),
  updateSettings: method(Settings.partial().strict(), Settings),
  /** Opens an https link in the system browser; the UI asks the user to confirm first. */
  openExternalLink: method(z.object({ url: z.string().url().max(2048) }).strict(), Ok),
} as const;

export type MethodName = keyof typeof METHODS;
export type MethodInput<M extends MethodName> = z.input<(typeof METHODS)[M]['input']>;
export type MethodArgs<M extends MethodName> = z.output<(typeof METHODS)[M]['input']>;
export type MethodResult<M extends MethodName> = z.output<(typeof METHODS)[M]['output']>;

/** Every event the UI may subscribe to: name → payload schema. */
export const EVENTS = {
  profileChanged: ProfileStatus,
  messageAdded: Message,
  messageUpdated: Message,
  conversationUpdated: Conversation,
  contactsChanged: z.array(Contact),
  relaysChanged: z.array(RelayInfo),
  devicesChanged: z.array(Device),
  progress: TransferProgress,
} as const;

export type EventName = keyof typeof EVENTS;
export type EventPayload<E extends EventName> = z.output<(typeof EVENTS)[E]>;

/** The object the renderer uses (window.aegees in Electron; the WebSocket client in a browser). */
export interface AegeesApi {
  call<M extends MethodName>(method: M, args: MethodInput<M>): Promise<MethodResult<M>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** The shape the key-holding side implements; transports validate before calling it. */
export type ApiHandlers = { [M in MethodName]: (args: MethodArgs<M>) => Promise<MethodResult<M>> };
