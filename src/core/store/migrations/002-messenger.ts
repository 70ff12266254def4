// Schema version 2: what the messenger engine needs beyond version 1 — signed contact
// cards (ours and our contacts'), the blobs an outbox envelope references (re-uploaded to
// a relay before its deposit), group state versions and member cards, and settings.
import type { Migration } from '../migrate.js';

const SCHEMA = `
ALTER TABLE identity ADD COLUMN card BLOB;
ALTER TABLE contacts ADD COLUMN card BLOB;
-- Concatenated 32-byte blob ids the envelope references; NULL when it references none.
ALTER TABLE outbox_envelopes ADD COLUMN blob_ids BLOB CHECK (blob_ids IS NULL OR (length(blob_ids) > 0 AND length(blob_ids) % 32 = 0));
ALTER TABLE conversations ADD COLUMN group_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversation_members ADD COLUMN card BLOB;

CREATE TABLE settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL CHECK (json_valid(value))
) STRICT, WITHOUT ROWID;
`;

export const messengerSchema: Migration = {
  version: 2,
  name: 'messenger: contact cards, outbox blobs, group versions, settings',
  up: (db) => db.exec(SCHEMA),
};
