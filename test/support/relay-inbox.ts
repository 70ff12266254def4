// A mailbox connection that records what the relay pushes, for tests: connect with a root
// secret, wait for envelopes, ack them (automatically or by hand).
import type { RelayClient } from '../../src/core/relay-client/client.js';
import type { MailboxSession, PushedEnvelope } from '../../src/core/relay-client/mailbox.js';
import { randomBytes } from '../../src/core/crypto/sodium.js';
import { waitFor } from './wait.js';

export interface Inbox {
  readonly session: MailboxSession;
  readonly rootSecret: Buffer;
  /** Every push in arrival order (duplicates included, so tests can detect them). */
  readonly received: PushedEnvelope[];
  readonly closed: Promise<{ code: number; reason: string }>;
  waitForCount(count: number, timeoutMs?: number): Promise<PushedEnvelope[]>;
  close(): Promise<void>;
}

export async function connectInbox(
  client: RelayClient,
  options: { rootSecret?: Buffer; autoAck?: boolean } = {},
): Promise<Inbox> {
  const rootSecret = options.rootSecret ?? randomBytes(32);
  const received: PushedEnvelope[] = [];
  let closedWith: { code: number; reason: string } | undefined;
  let onClosed!: (value: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    onClosed = (value) => {
      closedWith = value;
      resolve(value);
    };
  });
  const session = await client.connectMailbox({
    rootSecret,
    onEnvelope: (envelope, mailbox) => {
      received.push(envelope);
      if (options.autoAck ?? true) mailbox.ack([envelope.msgId]);
    },
    onClose: (code, reason) => onClosed({ code, reason }),
  });
  return {
    session,
    rootSecret,
    received,
    closed,
    waitForCount: (count, timeoutMs) =>
      waitFor(() => {
        if (received.length >= count) return received;
        if (closedWith) throw new Error(`mailbox closed (${closedWith.code} ${closedWith.reason}) after ${received.length} of ${count} envelopes`);
        return undefined;
      }, `${count} pushed envelopes`, timeoutMs),
    close: () => session.close(),
  };
}
