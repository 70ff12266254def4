// Schema version 3: an index that answers a conversation's unread count
// (ConversationRepository.unreadCount: incoming messages after the last read seq) from the
// index alone. Without it the count walked the conversation's whole sent_at index and read
// the row of every message to check `outgoing` (docs/BENCHMARKS.md, Messenger: 10–21 s to
// list the conversations of a store with 1,000,000 unread messages).
import type { Migration } from '../migrate.js';

const SCHEMA = `
CREATE INDEX messages_unread ON messages (conversation_id, outgoing, seq);
`;

export const unreadIndex: Migration = {
  version: 3,
  name: 'index for unread counts',
  up: (db) => db.exec(SCHEMA),
};
