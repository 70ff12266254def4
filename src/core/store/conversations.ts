import type { Db } from './database.js';

export type NewConversation =
  | { readonly kind: 'direct'; readonly id: Uint8Array; readonly peerAccountId: Uint8Array; readonly createdAt: number }
  | {
      readonly kind: 'group';
      readonly id: Uint8Array;
      readonly title: string;
      readonly members: ReadonlyArray<{ readonly accountId: Uint8Array; readonly role: 'admin' | 'member' }>;
      readonly createdAt: number;
    };

export interface ConversationRecord {
  readonly id: Buffer;
  readonly kind: 'direct' | 'group';
  readonly peerAccountId: Buffer | null;
  readonly title: string;
  /** The relay picked in the server picker, or null for automatic. */
  readonly sendRelayUrl: string | null;
  readonly createdAt: number;
  readonly lastActivityAt: number;
  readonly lastReadSeq: number;
  readonly archived: boolean;
  readonly memberAccountIds: Buffer[];
}

interface ConversationRow {
  id: Buffer;
  kind: 'direct' | 'group';
  peer_account_id: Buffer | null;
  title: string;
  send_relay_url: string | null;
  created_at: number;
  last_activity_at: number;
  last_read_seq: number;
  archived: number;
}

export class ConversationRepository {
  private readonly insert;
  private readonly insertMember;
  private readonly byId;
  private readonly byActivity;
  private readonly members;
  private readonly updateSendRelay;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(`
      INSERT INTO conversations (id, kind, peer_account_id, title, created_at, last_activity_at)
      VALUES (@id, @kind, @peerAccountId, @title, @createdAt, @createdAt)`);
    this.insertMember = db.prepare(
      'INSERT INTO conversation_members (conversation_id, account_id, role, added_at) VALUES (?, ?, ?, ?)',
    );
    this.byId = db.prepare<[Uint8Array], ConversationRow>('SELECT * FROM conversations WHERE id = ?');
    this.byActivity = db.prepare<[], ConversationRow>(
      'SELECT * FROM conversations ORDER BY last_activity_at DESC, rowid DESC',
    );
    this.members = db
      .prepare<[Uint8Array], Buffer>('SELECT account_id FROM conversation_members WHERE conversation_id = ? ORDER BY added_at, account_id')
      .pluck();
    this.updateSendRelay = db.prepare('UPDATE conversations SET send_relay_url = ? WHERE id = ?');
  }

  /** A direct conversation needs its peer in `contacts`; a group stores its member list. */
  create(conversation: NewConversation): void {
    this.db.transaction(() => {
      if (conversation.kind === 'direct') {
        this.insert.run({ ...conversation, title: '' });
      } else {
        this.insert.run({ ...conversation, peerAccountId: null });
        for (const member of conversation.members) {
          this.insertMember.run(conversation.id, member.accountId, member.role, conversation.createdAt);
        }
      }
    })();
  }

  get(id: Uint8Array): ConversationRecord | undefined {
    const row = this.byId.get(id);
    return row && this.record(row);
  }

  /** Most recently active first. */
  list(): ConversationRecord[] {
    return this.byActivity.all().map((row) => this.record(row));
  }

  setSendRelay(id: Uint8Array, relayUrl: string | null): boolean {
    return this.updateSendRelay.run(relayUrl, id).changes === 1;
  }

  private record(row: ConversationRow): ConversationRecord {
    return {
      id: row.id,
      kind: row.kind,
      peerAccountId: row.peer_account_id,
      title: row.title,
      sendRelayUrl: row.send_relay_url,
      createdAt: row.created_at,
      lastActivityAt: row.last_activity_at,
      lastReadSeq: row.last_read_seq,
      archived: row.archived === 1,
      memberAccountIds: row.kind === 'direct' ? [row.peer_account_id!] : this.members.all(row.id),
    };
  }
}
