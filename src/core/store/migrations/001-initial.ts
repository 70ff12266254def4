// Schema version 1. Ids that the protocol defines as bytes (account, device, conversation,
// message, blob and mailbox ids; keys; hashes) are BLOBs; times are milliseconds since
// the Unix epoch. Private keys are never stored here: they live in the keychain.
import type { Migration } from '../migrate.js';

const SCHEMA = `
-- This profile's own account and device (one row).
CREATE TABLE identity (
  singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
  account_id BLOB NOT NULL,
  account_public_key BLOB NOT NULL,
  device_id BLOB NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  -- Our latest signed device list, as encoded on the wire.
  device_list BLOB,
  device_list_version INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE contacts (
  account_id BLOB PRIMARY KEY,
  account_public_key BLOB NOT NULL,
  display_name TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('accepted', 'request-sent', 'request-received')),
  verified INTEGER NOT NULL DEFAULT 0 CHECK (verified IN (0, 1)),
  blocked INTEGER NOT NULL DEFAULT 0 CHECK (blocked IN (0, 1)),
  -- The newest signed device list accepted; one with a lower version is a rollback.
  device_list BLOB,
  device_list_version INTEGER NOT NULL DEFAULT 0,
  added_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- Certified devices of every known account, ours included.
CREATE TABLE devices (
  account_id BLOB NOT NULL,
  device_id BLOB NOT NULL,
  signing_key BLOB NOT NULL,
  encryption_key BLOB NOT NULL,
  certificate BLOB NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  linked_at INTEGER NOT NULL,
  revoked_at INTEGER,
  PRIMARY KEY (account_id, device_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE conversations (
  id BLOB PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('direct', 'group')),
  peer_account_id BLOB REFERENCES contacts (account_id),
  title TEXT NOT NULL DEFAULT '',
  -- The relay picked in the server picker; NULL means automatic (random).
  send_relay_url TEXT,
  created_at INTEGER NOT NULL,
  last_activity_at INTEGER NOT NULL,
  -- Incoming messages with a higher seq are unread.
  last_read_seq INTEGER NOT NULL DEFAULT 0,
  archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
  CHECK ((kind = 'direct') = (peer_account_id IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX conversations_direct_peer ON conversations (peer_account_id) WHERE kind = 'direct';
CREATE INDEX conversations_by_activity ON conversations (last_activity_at);

CREATE TABLE conversation_members (
  conversation_id BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  account_id BLOB NOT NULL,
  role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
  added_at INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, account_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE messages (
  -- Local insertion order; also the full-text index's rowid.
  seq INTEGER PRIMARY KEY,
  id BLOB NOT NULL UNIQUE,
  conversation_id BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  sender_account_id BLOB NOT NULL,
  sender_device_id BLOB NOT NULL,
  outgoing INTEGER NOT NULL CHECK (outgoing IN (0, 1)),
  -- The sender's clock, from the signed header, and this device's clock when stored.
  sent_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  body TEXT NOT NULL,
  reply_to BLOB,
  -- Outgoing: queued until a relay holds a durable copy, then stored; incoming: received.
  state TEXT NOT NULL CHECK (state IN ('queued', 'stored', 'received', 'failed')),
  error TEXT
) STRICT;
CREATE INDEX messages_by_conversation ON messages (conversation_id, sent_at, seq);

-- Delivery state of an outgoing message per recipient device.
CREATE TABLE message_recipients (
  message_seq INTEGER NOT NULL REFERENCES messages (seq) ON DELETE CASCADE,
  account_id BLOB NOT NULL,
  device_id BLOB NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'read', 'failed')),
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (message_seq, account_id, device_id)
) STRICT, WITHOUT ROWID;

-- Relays that acknowledged a durable copy of an outgoing message.
CREATE TABLE message_deposits (
  message_seq INTEGER NOT NULL REFERENCES messages (seq) ON DELETE CASCADE,
  relay_url TEXT NOT NULL,
  stored_at INTEGER NOT NULL,
  PRIMARY KEY (message_seq, relay_url)
) STRICT, WITHOUT ROWID;

CREATE TABLE attachments (
  id INTEGER PRIMARY KEY,
  message_seq INTEGER NOT NULL REFERENCES messages (seq) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  blob_id BLOB NOT NULL,
  -- JSON array of the relay URLs that hold the blob.
  relay_urls TEXT NOT NULL CHECK (json_valid(relay_urls) AND json_type(relay_urls) = 'array'),
  -- The blob's secretstream key and ciphertext hash, from the signed header.
  key BLOB NOT NULL,
  ciphertext_hash BLOB NOT NULL,
  size INTEGER NOT NULL CHECK (size >= 0),
  mime TEXT NOT NULL,
  name TEXT NOT NULL,
  -- The downloaded ciphertext, relative to the profile directory: files stay encrypted on disk.
  local_path TEXT,
  state TEXT NOT NULL CHECK (state IN ('uploading', 'downloading', 'ready', 'failed')),
  UNIQUE (message_seq, position)
) STRICT;
CREATE INDEX attachments_by_blob ON attachments (blob_id);

-- Envelopes waiting to be deposited, and one row per relay still to take a copy.
CREATE TABLE outbox_envelopes (
  msg_id BLOB PRIMARY KEY,
  -- The chat message it carries, if any (receipts and device-list updates carry none).
  message_seq INTEGER REFERENCES messages (seq) ON DELETE CASCADE,
  envelope BLOB NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE outbox_deposits (
  id INTEGER PRIMARY KEY,
  msg_id BLOB NOT NULL REFERENCES outbox_envelopes (msg_id) ON DELETE CASCADE,
  relay_url TEXT NOT NULL,
  -- Concatenated fixed-size mailbox ids of the recipient devices on that relay.
  mailbox_ids BLOB NOT NULL CHECK (length(mailbox_ids) > 0),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT,
  UNIQUE (msg_id, relay_url)
) STRICT;
CREATE INDEX outbox_deposits_due ON outbox_deposits (next_attempt_at);

-- Known storage relays: the default list, those the user added, and those learned from
-- contacts' device lists. The identity key unmasks an impostor with a valid certificate.
CREATE TABLE roster (
  url TEXT PRIMARY KEY,
  identity_key BLOB NOT NULL CHECK (length(identity_key) = 32),
  source TEXT NOT NULL CHECK (source IN ('default', 'user', 'embedded')),
  -- This device listens on the relay (it is one of our inbox relays).
  inbox INTEGER NOT NULL DEFAULT 0 CHECK (inbox IN (0, 1)),
  added_at INTEGER NOT NULL
) STRICT;

-- Envelope ids already processed: the same envelope arrives from several relays.
CREATE TABLE seen_messages (
  msg_id BLOB PRIMARY KEY,
  seen_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX seen_messages_by_time ON seen_messages (seen_at);

-- Full-text index over message bodies, kept in step by triggers.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
  body, content = 'messages', content_rowid = 'seq', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, body) VALUES (new.seq, new.body);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF body ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.seq, old.body);
  INSERT INTO messages_fts (rowid, body) VALUES (new.seq, new.body);
END;
`;

export const initialSchema: Migration = {
  version: 1,
  name: 'initial schema',
  up: (db) => db.exec(SCHEMA),
};
