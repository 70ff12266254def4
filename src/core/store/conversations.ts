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
  /** Groups only: the version of the newest group state applied (0 for direct conversations). */
  readonly groupVersion: number;
}

export interface GroupState {
  readonly title: string;
  readonly version: number;
  readonly members: ReadonlyArray<{ readonly accountId: Uint8Array; readonly card: Uint8Array; readonly role: 'admin' | 'member' }>;
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
  group_version: number;
}

/** A conversation's unread count; schema v3's messages_unread index answers it alone. */
export const UNREAD_COUNT_SQL = 'SELECT count(*) FROM messages WHERE conversation_id = ? AND outgoing = 0 AND seq > ?';

export class ConversationRepository {
  private readonly insert;
  private readonly insertMember;
  private readonly byId;
  private readonly byActivity;
  private readonly members;
  private readonly updateSendRelay;
  private readonly updateGroup;
  private readonly deleteMembers;
  private readonly insertMemberWithCard;
  private readonly memberCardRows;
  private readonly anyMemberCard;
  private readonly membersWithCards;
  private readonly updateLastRead;
  private readonly unread;
  private readonly latest;

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
    this.updateGroup = db.prepare(
      "UPDATE conversations SET title = ?, group_version = ?, last_activity_at = max(last_activity_at, ?) WHERE id = ? AND kind = 'group'",
    );
    this.deleteMembers = db.prepare('DELETE FROM conversation_members WHERE conversation_id = ?');
    this.insertMemberWithCard = db.prepare(
      'INSERT INTO conversation_members (conversation_id, account_id, role, added_at, card) VALUES (?, ?, ?, ?, ?)',
    );
    this.memberCardRows = db.prepare<[Uint8Array], { account_id: Buffer; card: Buffer | null; role: 'admin' | 'member' }>(
      'SELECT account_id, card, role FROM conversation_members WHERE conversation_id = ? ORDER BY added_at, account_id',
    );
    this.membersWithCards = db
      .prepare<[], Buffer>('SELECT DISTINCT account_id FROM conversation_members WHERE card IS NOT NULL')
      .pluck();
    this.anyMemberCard = db
      .prepare<[Uint8Array], Buffer>('SELECT card FROM conversation_members WHERE account_id = ? AND card IS NOT NULL ORDER BY added_at DESC LIMIT 1')
      .pluck();
    this.updateLastRead = db.prepare(`
      UPDATE conversations SET last_read_seq = max(last_read_seq, coalesce((SELECT max(seq) FROM messages WHERE conversation_id = ?), 0))
      WHERE id = ?`);
    this.unread = db
      .prepare<[Uint8Array, number], number>(UNREAD_COUNT_SQL)
      .pluck();
    this.latest = db
      .prepare<[Uint8Array], number>('SELECT seq FROM messages WHERE conversation_id = ? ORDER BY sent_at DESC, seq DESC LIMIT 1')
      .pluck();
  }

  /** Replaces a group's title and members with a newer state; the caller checks the version. */
  setGroupState(id: Uint8Array, state: GroupState, at: number): boolean {
    return this.db.transaction(() => {
      if (this.updateGroup.run(state.title, state.version, at, id).changes !== 1) return false;
      this.deleteMembers.run(id);
      for (const member of state.members) this.insertMemberWithCard.run(id, member.accountId, member.role, at, member.card);
      return true;
    })();
  }

  /** Members with the contact cards the group state carried for them. */
  groupMembers(id: Uint8Array): Array<{ accountId: Buffer; card: Buffer | null; role: 'admin' | 'member' }> {
    return this.memberCardRows.all(id).map((row) => ({ accountId: row.account_id, card: row.card, role: row.role }));
  }

  /** The newest card any group carried for an account that may not be a contact. */
  memberCard(accountId: Uint8Array): Buffer | undefined {
    return this.anyMemberCard.get(accountId);
  }

  /** Accounts we hold a card of only as fellow group members (and maybe also as contacts). */
  accountsWithMemberCards(): Buffer[] {
    return this.membersWithCards.all();
  }

  /** Marks every message so far as read. */
  markRead(id: Uint8Array): boolean {
    return this.updateLastRead.run(id, id).changes === 1;
  }

  unreadCount(conversation: ConversationRecord): number {
    return this.unread.get(conversation.id, conversation.lastReadSeq) ?? 0;
  }

  /** Seq of the newest message, by the sender's clock, or undefined for an empty conversation. */
  latestMessageSeq(id: Uint8Array): number | undefined {
    return this.latest.get(id);
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
      groupVersion: row.group_version,
    };
  }
}
