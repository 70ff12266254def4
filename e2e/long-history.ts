// A profile with a long conversation for the scrolling spec, built as bench/suites/ui.ts
// builds its own: two real accounts become contacts through the engine and a relay, then,
// with the engines closed, the reader's store gets the history through its repositories
// (sending thousands of messages through a relay would only make the spec slow).
import { randomBytes } from 'node:crypto';
import { openSecretStore } from '../src/core/keychain/open.js';
import { Messenger } from '../src/core/messenger/messenger.js';
import { openStore } from '../src/core/store/open.js';
import type { RelayProcess } from '../test/support/relay-process.js';

/** Half an hour apart: a few thousand messages span weeks, so there are day separators to keep. */
const GAP_MS = 30 * 60_000;

export interface LongConversation {
  /** Texts oldest first; each names its position, e.g. "Message 0042". */
  readonly texts: string[];
  readonly sentAt: number[];
}

export const messageText = (index: number) => `Message ${String(index).padStart(4, '0')}`;

async function account(profileDir: string, name: string, relay: RelayProcess): Promise<Messenger> {
  const messenger = await Messenger.open({ profileDir });
  await messenger.addRelay(relay.url, { identityKey: relay.identityKey, inbox: true });
  await messenger.createAccount(name);
  messenger.start();
  return messenger;
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
}

/**
 * Makes the reader's and the contact's accounts in their (empty) profile folders, makes
 * them contacts, and writes `count` messages into their direct conversation on the
 * reader's side, every third one the reader's own; read up to the newest.
 */
export async function buildLongConversation(readerDir: string, contactDir: string, names: [string, string], relay: RelayProcess, count: number): Promise<LongConversation> {
  const reader = await account(readerDir, names[0], relay);
  const contact = await account(contactDir, names[1], relay);
  await reader.addContact(contact.inviteCode());
  await until(() => contact.contacts().some((c) => Buffer.from(c.accountId).equals(reader.accountId)));
  await contact.acceptContact(reader.accountId);
  await until(() => reader.contacts().some((c) => Buffer.from(c.accountId).equals(contact.accountId) && c.state === 'accepted'));
  const conversationId = reader.openDirectConversation(contact.accountId).id;
  const me = reader.whoami();
  const them = contact.whoami();
  await reader.close();
  await contact.close();

  const texts: string[] = [];
  const sentAt: number[] = [];
  const first = Date.now() - count * GAP_MS;
  const secrets = await openSecretStore(readerDir);
  const store = await openStore(readerDir, secrets);
  try {
    store.transaction(() => {
      for (let i = 0; i < count; i++) {
        const message = { id: randomBytes(16), conversationId, sentAt: first + i * GAP_MS, body: messageText(i) };
        texts.push(message.body);
        sentAt.push(message.sentAt);
        if (i % 3 === 0) {
          const seq = store.messages.insertOutgoing({
            ...message,
            senderAccountId: me.accountId,
            senderDeviceId: me.deviceId,
            receivedAt: message.sentAt,
            recipients: [{ accountId: them.accountId, deviceId: them.deviceId }],
          });
          store.messages.setRecipientState(seq, them.accountId, them.deviceId, 'read', message.sentAt + 1_000);
        } else {
          store.messages.receive({ ...message, senderAccountId: them.accountId, senderDeviceId: them.deviceId, receivedAt: message.sentAt + 1_000 });
        }
      }
    });
    // Opening the conversation then sends no read receipts for the whole history.
    store.conversations.markRead(conversationId);
  } finally {
    store.close();
    secrets.close();
  }
  return { texts, sentAt };
}
