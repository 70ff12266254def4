import { AegeesError } from '../../common/errors.js';
import type { Db } from './database.js';
import { MATCH_END, MATCH_START, parseSnippet, toFtsQuery, type Snippet } from './fts-query.js';
import type { SeenRepository } from './seen.js';

export type MessageState = 'queued' | 'stored' | 'received' | 'failed';
export type RecipientState = 'pending' | 'delivered' | 'read' | 'failed';
export type AttachmentState = 'uploading' | 'downloading' | 'ready' | 'failed';

export interface NewAttachment {
  readonly blobId: Uint8Array;
  readonly relayUrls: readonly string[];
  readonly key: Uint8Array;
  readonly ciphertextHash: Uint8Array;
  readonly size: number;
  readonly mime: string;
  readonly name: string;
  readonly state: AttachmentState;
  /** The encrypted file, relative to the profile directory. */
  readonly localPath?: string | null;
}

export interface NewMessage {
  readonly id: Uint8Array;
  readonly conversationId: Uint8Array;
  readonly senderAccountId: Uint8Array;
  readonly senderDeviceId: Uint8Array;
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly body: string;
  readonly replyTo?: Uint8Array | null;
  readonly attachments?: readonly NewAttachment[];
}

export interface NewOutgoingMessage extends NewMessage {
  /** Every device the message key is sealed to; each starts as pending. */
  readonly recipients: ReadonlyArray<{ readonly accountId: Uint8Array; readonly deviceId: Uint8Array }>;
}

export interface AttachmentRecord extends Required<NewAttachment> {
  readonly id: number;
  readonly position: number;
}

export interface StoredMessage {
  /** Local insertion order; cursors and FTS use it. */
  readonly seq: number;
  readonly id: Buffer;
  readonly conversationId: Buffer;
  readonly senderAccountId: Buffer;
  readonly senderDeviceId: Buffer;
  readonly outgoing: boolean;
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly body: string;
  readonly replyTo: Buffer | null;
  readonly state: MessageState;
  readonly error: string | null;
  readonly attachments: AttachmentRecord[];
}

export interface RecipientRecord {
  readonly accountId: Buffer;
  readonly deviceId: Buffer;
  readonly state: RecipientState;
  readonly updatedAt: number;
}

/** Position in a conversation's history: a page `before` it holds messages strictly older, one `after` it strictly newer. */
export interface MessageCursor {
  readonly sentAt: number;
  readonly seq: number;
}

export interface MessagePage {
  /** Oldest first. */
  readonly messages: StoredMessage[];
  /** Pass as `before` for the next older page; null when there is none. */
  readonly older: MessageCursor | null;
  /** Pass as `after` for the next newer page; null when there is none. */
  readonly newer: MessageCursor | null;
}

export interface SearchHit {
  readonly message: StoredMessage;
  readonly snippet: Snippet;
}

export type ReceiveResult = { readonly stored: true; readonly seq: number } | { readonly stored: false };

interface MessageRow {
  seq: number;
  id: Buffer;
  conversation_id: Buffer;
  sender_account_id: Buffer;
  sender_device_id: Buffer;
  outgoing: number;
  sent_at: number;
  received_at: number;
  body: string;
  reply_to: Buffer | null;
  state: MessageState;
  error: string | null;
}

interface AttachmentRow {
  id: number;
  position: number;
  blob_id: Buffer;
  relay_urls: string;
  key: Buffer;
  ciphertext_hash: Buffer;
  size: number;
  mime: string;
  name: string;
  local_path: string | null;
  state: AttachmentState;
}

export const MAX_PAGE_SIZE = 500;
const SNIPPET_WORDS = 16;

// Newest first by local arrival, named as the FTS rowid (= messages.seq): SQLite then reads
// the index in that order and stops after LIMIT matches. Named as m.seq, the same order
// makes it sort every match first (docs/BENCHMARKS.md, Messenger: search).
const searchSql = (filter: string): string => `
  SELECT m.*, snippet(messages_fts, 0, '${MATCH_START}', '${MATCH_END}', '…', ${SNIPPET_WORDS}) AS marked
  FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid
  WHERE messages_fts MATCH @query ${filter}
  ORDER BY messages_fts.rowid DESC LIMIT @limit`;
export const SEARCH_ALL_SQL = searchSql('');
export const SEARCH_CONVERSATION_SQL = searchSql('AND m.conversation_id = @conversationId');

export class MessageRepository {
  private readonly insertMessage;
  private readonly insertAttachment;
  private readonly insertRecipient;
  private readonly touchConversation;
  private readonly byId;
  private readonly bySeq;
  private readonly newest;
  private readonly olderThan;
  private readonly newerThan;
  private readonly attachmentsOf;
  private readonly recipientsOf;
  private readonly updateRecipient;
  private readonly depositsOf;
  private readonly searchAll;
  private readonly searchConversation;

  constructor(private readonly db: Db, private readonly seen: SeenRepository) {
    this.insertMessage = db.prepare(`
      INSERT INTO messages (id, conversation_id, sender_account_id, sender_device_id, outgoing,
                            sent_at, received_at, body, reply_to, state)
      VALUES (@id, @conversationId, @senderAccountId, @senderDeviceId, @outgoing,
              @sentAt, @receivedAt, @body, @replyTo, @state)`);
    this.insertAttachment = db.prepare(`
      INSERT INTO attachments (message_seq, position, blob_id, relay_urls, key, ciphertext_hash,
                               size, mime, name, local_path, state)
      VALUES (@seq, @position, @blobId, @relayUrls, @key, @ciphertextHash,
              @size, @mime, @name, @localPath, @state)`);
    this.insertRecipient = db.prepare(`
      INSERT INTO message_recipients (message_seq, account_id, device_id, state, updated_at)
      VALUES (?, ?, ?, 'pending', ?)`);
    this.touchConversation = db.prepare(
      'UPDATE conversations SET last_activity_at = max(last_activity_at, ?) WHERE id = ?',
    );
    this.byId = db.prepare<[Uint8Array], MessageRow>('SELECT * FROM messages WHERE id = ?');
    this.bySeq = db.prepare<[number], MessageRow>('SELECT * FROM messages WHERE seq = ?');
    this.newest = db.prepare<[Uint8Array, number], MessageRow>(`
      SELECT * FROM messages WHERE conversation_id = ?
      ORDER BY sent_at DESC, seq DESC LIMIT ?`);
    this.olderThan = db.prepare<[Uint8Array, number, number, number], MessageRow>(`
      SELECT * FROM messages WHERE conversation_id = ? AND (sent_at, seq) < (?, ?)
      ORDER BY sent_at DESC, seq DESC LIMIT ?`);
    this.newerThan = db.prepare<[Uint8Array, number, number, number], MessageRow>(`
      SELECT * FROM messages WHERE conversation_id = ? AND (sent_at, seq) > (?, ?)
      ORDER BY sent_at ASC, seq ASC LIMIT ?`);
    this.attachmentsOf = db.prepare<[number], AttachmentRow>(
      'SELECT * FROM attachments WHERE message_seq = ? ORDER BY position',
    );
    this.recipientsOf = db.prepare<[number], { account_id: Buffer; device_id: Buffer; state: RecipientState; updated_at: number }>(
      'SELECT * FROM message_recipients WHERE message_seq = ? ORDER BY account_id, device_id',
    );
    this.depositsOf = db
      .prepare<[number], string>('SELECT relay_url FROM message_deposits WHERE message_seq = ? ORDER BY stored_at, relay_url')
      .pluck();
    this.updateRecipient = db.prepare(`
      UPDATE message_recipients SET state = ?, updated_at = ?
      WHERE message_seq = ? AND account_id = ? AND device_id = ?`);
    this.searchAll = db.prepare<[{ query: string; limit: number }], MessageRow & { marked: string }>(SEARCH_ALL_SQL);
    this.searchConversation = db.prepare<[{ query: string; limit: number; conversationId: Uint8Array }], MessageRow & { marked: string }>(
      SEARCH_CONVERSATION_SQL,
    );
  }

  /** Stores a message this device sends, queued for the outbox; returns its seq. */
  insertOutgoing(message: NewOutgoingMessage): number {
    return this.db.transaction(() => {
      const seq = this.insert(message, true);
      for (const recipient of message.recipients) {
        this.insertRecipient.run(seq, recipient.accountId, recipient.deviceId, message.receivedAt);
      }
      return seq;
    })();
  }

  /**
   * Stores a received message unless its id was seen before (copies arrive from several
   * relays). Called alone, its commit is durable when it returns; inside a transaction
   * (the receive path stores a burst in one), when that transaction returns. Only then may
   * the relay copies be acknowledged. A message another of our devices sent is stored as
   * outgoing and already on a relay.
   */
  receive(message: NewMessage, options: { readonly fromOwnDevice?: boolean } = {}): ReceiveResult {
    return this.db.transaction((): ReceiveResult => {
      if (!this.seen.checkAndInsert(message.id, message.receivedAt)) return { stored: false };
      if (this.byId.get(message.id)) return { stored: false };
      return { stored: true, seq: this.insert(message, options.fromOwnDevice ?? false, 'stored') };
    }).immediate();
  }

  get(id: Uint8Array): StoredMessage | undefined {
    const row = this.byId.get(id);
    return row && this.record(row);
  }

  getBySeq(seq: number): StoredMessage | undefined {
    const row = this.bySeq.get(seq);
    return row && this.record(row);
  }

  /**
   * The newest `limit` messages older than `before`, the oldest `limit` newer than `after`,
   * or the newest of all. A page reached through a cursor always has that cursor's side to
   * come back to, so only the far side needs the extra row that tells whether more exist.
   */
  page(conversationId: Uint8Array, options: { readonly limit: number; readonly before?: MessageCursor; readonly after?: MessageCursor }): MessagePage {
    const { limit, before, after } = options;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new AegeesError('INVALID_ARGUMENT', `page size must be 1…${MAX_PAGE_SIZE}, got ${limit}`);
    }
    if (before && after) throw new AegeesError('INVALID_ARGUMENT', 'a page is either before or after a cursor, not both');
    const cursorOf = (row: MessageRow | undefined) => (row ? { sentAt: row.sent_at, seq: row.seq } : null);
    if (after) {
      const rows = this.newerThan.all(conversationId, after.sentAt, after.seq, limit + 1);
      const page = rows.slice(0, limit);
      return {
        messages: page.map((row) => this.record(row)),
        older: cursorOf(page[0]) ?? after,
        newer: rows.length > limit ? cursorOf(page.at(-1)) : null,
      };
    }
    const rows = before
      ? this.olderThan.all(conversationId, before.sentAt, before.seq, limit + 1)
      : this.newest.all(conversationId, limit + 1);
    const page = rows.slice(0, limit);
    return {
      messages: page.toReversed().map((row) => this.record(row)),
      older: rows.length > limit ? cursorOf(page.at(-1)) : null,
      newer: before ? (cursorOf(page[0]) ?? before) : null,
    };
  }

  /**
   * Messages whose text has every word of `query` (as prefixes), newest first by local
   * arrival: that order is the FTS index's own, so SQLite stops at `limit` matches instead
   * of sorting every match (docs/BENCHMARKS.md, Messenger: search).
   */
  search(query: string, options: { readonly limit: number; readonly conversationId?: Uint8Array }): SearchHit[] {
    const fts = toFtsQuery(query);
    if (fts === undefined) return [];
    const { limit, conversationId } = options;
    const rows = conversationId
      ? this.searchConversation.all({ query: fts, limit, conversationId })
      : this.searchAll.all({ query: fts, limit });
    return rows.map((row) => ({ message: this.record(row), snippet: parseSnippet(row.marked) }));
  }

  recipients(seq: number): RecipientRecord[] {
    return this.recipientsOf.all(seq).map((row) => ({
      accountId: row.account_id,
      deviceId: row.device_id,
      state: row.state,
      updatedAt: row.updated_at,
    }));
  }

  /** Relays that acknowledged a durable copy of an outgoing message, first first. */
  storedOn(seq: number): string[] {
    return this.depositsOf.all(seq);
  }

  setRecipientState(seq: number, accountId: Uint8Array, deviceId: Uint8Array, state: RecipientState, at: number): boolean {
    return this.updateRecipient.run(state, at, seq, accountId, deviceId).changes === 1;
  }

  private insert(message: NewMessage, outgoing: boolean, outgoingState: 'queued' | 'stored' = 'queued'): number {
    const seq = Number(
      this.insertMessage.run({
        ...message,
        replyTo: message.replyTo ?? null,
        outgoing: Number(outgoing),
        state: outgoing ? outgoingState : 'received',
      }).lastInsertRowid,
    );
    (message.attachments ?? []).forEach((attachment, position) => {
      this.insertAttachment.run({
        ...attachment,
        seq,
        position,
        relayUrls: JSON.stringify(attachment.relayUrls),
        localPath: attachment.localPath ?? null,
      });
    });
    this.touchConversation.run(message.receivedAt, message.conversationId);
    return seq;
  }

  private record(row: MessageRow): StoredMessage {
    return {
      seq: row.seq,
      id: row.id,
      conversationId: row.conversation_id,
      senderAccountId: row.sender_account_id,
      senderDeviceId: row.sender_device_id,
      outgoing: row.outgoing === 1,
      sentAt: row.sent_at,
      receivedAt: row.received_at,
      body: row.body,
      replyTo: row.reply_to,
      state: row.state,
      error: row.error,
      attachments: this.attachmentsOf.all(row.seq).map((a) => ({
        id: a.id,
        position: a.position,
        blobId: a.blob_id,
        relayUrls: JSON.parse(a.relay_urls) as string[],
        key: a.key,
        ciphertextHash: a.ciphertext_hash,
        size: a.size,
        mime: a.mime,
        name: a.name,
        localPath: a.local_path,
        state: a.state,
      })),
    };
  }
}
