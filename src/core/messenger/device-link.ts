// The one-time code a new device shows, and the keyed proofs that tie the three link
// messages to it (docs/PROTOCOL.md §9). Whoever holds the code can link: it is shown only
// on the new device's screen and typed or scanned on the existing one.
import { AegeesError } from '../../common/errors.js';
import { ByteReader, ByteWriter, domainPrefix } from '../../common/protocol/codec.js';
import { deviceIdOf } from '../crypto/identity.js';
import { blake2b } from '../crypto/sodium.js';

const LINK_PREFIX = 'AEGEESLINK1:';
const LINK_CODE_FORMAT = 1;

export interface LinkCode {
  readonly signingKey: Uint8Array;
  readonly encryptionKey: Uint8Array;
  /** One-time secret: keys the proofs of the link messages. */
  readonly secret: Uint8Array;
  /** Where the new device listens until it is linked. */
  readonly relayUrl: string;
  readonly relayKey: Uint8Array;
  readonly mailboxId: Uint8Array;
  readonly label: string;
}

export function encodeLinkCode(code: LinkCode): string {
  const bytes = new ByteWriter()
    .u8(LINK_CODE_FORMAT)
    .fixed(code.signingKey, 32, 'signing key')
    .fixed(code.encryptionKey, 32, 'encryption key')
    .fixed(code.secret, 32, 'secret')
    .ascii(code.relayUrl, 2, 1, 512, 'relay url')
    .fixed(code.relayKey, 32, 'relay key')
    .fixed(code.mailboxId, 32, 'mailbox id')
    .string(code.label, 1, 64, 'label')
    .finish();
  return LINK_PREFIX + Buffer.from(bytes).toString('base64url');
}

export function decodeLinkCode(text: string): LinkCode & { deviceId: Buffer } {
  const trimmed = text.replace(/\s+/g, '');
  if (!trimmed.startsWith(LINK_PREFIX)) throw new AegeesError('MALFORMED', `a device link code starts with ${LINK_PREFIX}`);
  const read: ByteReader = new ByteReader(Buffer.from(trimmed.slice(LINK_PREFIX.length), 'base64url'), 'device link code');
  if (read.u8('format') !== LINK_CODE_FORMAT) throw new AegeesError('UNSUPPORTED_VERSION', 'this device link code comes from a newer version');
  const code = {
    signingKey: read.fixed(32, 'signing key'),
    encryptionKey: read.fixed(32, 'encryption key'),
    secret: read.fixed(32, 'secret'),
    relayUrl: read.ascii(2, 1, 512, 'relay url'),
    relayKey: read.fixed(32, 'relay key'),
    mailboxId: read.fixed(32, 'mailbox id'),
    label: read.string(1, 64, 'label'),
  };
  read.end();
  return { ...code, deviceId: deviceIdOf(code.signingKey) };
}

/** Keyed proof that the sender of a link step knows the code's secret. */
export function linkProof(secret: Uint8Array, step: 'offer' | 'request', parts: readonly Uint8Array[]): Buffer {
  return blake2b(32, [domainPrefix(`aegees/v1/device-link/${step}`), ...parts], secret);
}

/** The conversation id link messages carry: per new device, never a real conversation. */
export function linkConversationId(deviceId: Uint8Array): Buffer {
  return blake2b(32, [domainPrefix('aegees/v1/device-link/conversation'), deviceId]);
}
