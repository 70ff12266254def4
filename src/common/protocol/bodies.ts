// Bodies of the messenger's message types (docs/PROTOCOL.md §9). The envelope authenticates
// and encrypts them; these codecs give each type's bytes their meaning. Every body starts
// with a format byte so a later format can be told apart and refused clearly.
import { AegeesError } from '../errors.js';
import { ByteReader, ByteWriter, concatBytes, domainPrefix, utf8Decode, utf8Encode } from './codec.js';
import { CONVERSATION_ID_BYTES, MSG_ID_BYTES, PUBLIC_KEY_BYTES } from './constants.js';
import { MAX_BODY_BYTES } from './limits.js';

export const BODY_FORMAT = 1;
export const MAX_DISPLAY_NAME_BYTES = 256;
export const MAX_RECEIPT_IDS = 1024;
export const MAX_GROUP_MEMBERS = 1000;
export const MAX_CARD_BYTES = 64 * 1024;
export const MAX_LINKED_CONTACTS = 5000;
export const MAX_LINKED_GROUPS = 1000;

function reader(bytes: Uint8Array, what: string): ByteReader {
  const read = new ByteReader(bytes, what);
  const format = read.u8('format');
  if (format !== BODY_FORMAT) {
    throw new AegeesError('UNSUPPORTED_VERSION', `${what}: format ${format} is not supported (this client reads format ${BODY_FORMAT})`);
  }
  return read;
}

function writer(): ByteWriter {
  return new ByteWriter().u8(BODY_FORMAT);
}

export interface ChatBody {
  readonly text: string;
}

export function encodeChatBody(body: ChatBody): Uint8Array {
  return writer().prefixed(utf8Encode(body.text, 'message text'), 4, MAX_BODY_BYTES, 'text').finish();
}

export function decodeChatBody(bytes: Uint8Array): ChatBody {
  const read: ByteReader = reader(bytes, 'chat body');
  const text = utf8Decode(read.prefixed(4, MAX_BODY_BYTES, 'text'));
  if (text === undefined) read.fail('text is not valid UTF-8');
  read.end();
  return { text };
}

export type ReceiptKind = 'delivered' | 'read';
const RECEIPT_KINDS: readonly ReceiptKind[] = ['delivered', 'read'];

export interface ReceiptBody {
  readonly kind: ReceiptKind;
  readonly msgIds: readonly Uint8Array[];
}

export function encodeReceiptBody(body: ReceiptBody): Uint8Array {
  const write = writer().u8(RECEIPT_KINDS.indexOf(body.kind) + 1).u16(body.msgIds.length);
  for (const id of body.msgIds) write.fixed(id, MSG_ID_BYTES, 'message id');
  return write.finish();
}

export function decodeReceiptBody(bytes: Uint8Array): ReceiptBody {
  const read: ByteReader = reader(bytes, 'receipt body');
  const kind = RECEIPT_KINDS[read.u8('kind') - 1];
  if (kind === undefined) read.fail('unknown receipt kind');
  const count = read.count(2, 1, MAX_RECEIPT_IDS, 'message ids');
  const msgIds = Array.from({ length: count }, () => read.fixed(MSG_ID_BYTES, 'message id'));
  read.end();
  return { kind, msgIds };
}

/**
 * A contact card: the account's display name and its signed device list, signed again by
 * the account key so the name cannot be swapped. Invite codes and contact requests carry it.
 */
export interface ContactCard {
  readonly displayName: string;
  /** An encoded, signed device list (§3). */
  readonly deviceList: Uint8Array;
  /** Account-key signature over `contactCardTranscript`. */
  readonly signature: Uint8Array;
}

export function contactCardTranscript(card: Omit<ContactCard, 'signature'>): Uint8Array {
  const fields = new ByteWriter()
    .string(card.displayName, 2, MAX_DISPLAY_NAME_BYTES, 'display name')
    .prefixed(card.deviceList, 4, MAX_CARD_BYTES, 'device list')
    .finish();
  return concatBytes([domainPrefix('aegees/v1/contact-card'), fields]);
}

export function encodeContactCard(card: ContactCard): Uint8Array {
  return writer()
    .string(card.displayName, 2, MAX_DISPLAY_NAME_BYTES, 'display name')
    .prefixed(card.deviceList, 4, MAX_CARD_BYTES, 'device list')
    .fixed(card.signature, 64, 'signature')
    .finish();
}

export function decodeContactCard(bytes: Uint8Array): ContactCard {
  const read = reader(bytes, 'contact card');
  const displayName = read.string(2, MAX_DISPLAY_NAME_BYTES, 'display name');
  const deviceList = read.prefixed(4, MAX_CARD_BYTES, 'device list');
  const signature = read.fixed(64, 'signature');
  read.end();
  return { displayName, deviceList, signature };
}

export interface GroupMember {
  readonly accountId: Uint8Array;
  /** The member's encoded contact card, so every member can seal to every member device. */
  readonly card: Uint8Array;
}

/** The whole state of a group; the conversation id in the envelope header is the group id. */
export interface GroupUpdateBody {
  /** Strictly increases with every change; an older state never replaces a newer one. */
  readonly version: number;
  readonly title: string;
  readonly members: readonly GroupMember[];
}

export function encodeGroupUpdateBody(body: GroupUpdateBody): Uint8Array {
  const write = writer().u32(body.version).string(body.title, 2, MAX_DISPLAY_NAME_BYTES, 'title').u16(body.members.length);
  for (const member of body.members) {
    write.fixed(member.accountId, PUBLIC_KEY_BYTES, 'member account').prefixed(member.card, 4, MAX_CARD_BYTES, 'member card');
  }
  return write.finish();
}

export function decodeGroupUpdateBody(bytes: Uint8Array): GroupUpdateBody {
  const read = reader(bytes, 'group update body');
  const version = read.u32('version');
  const title = read.string(2, MAX_DISPLAY_NAME_BYTES, 'title');
  const count = read.count(2, 1, MAX_GROUP_MEMBERS, 'members');
  const members = Array.from({ length: count }, () => ({
    accountId: read.fixed(PUBLIC_KEY_BYTES, 'member account'),
    card: read.prefixed(4, MAX_CARD_BYTES, 'member card'),
  }));
  read.end();
  return { version, title, members };
}

export interface LinkedGroup {
  readonly groupId: Uint8Array;
  /** The group's encoded GroupUpdateBody. */
  readonly state: Uint8Array;
}

/**
 * Linking a new device takes three DeviceLink messages (§9): the existing device's offer,
 * the new device's certificate request, and the existing device's completion. `proof` is
 * a keyed hash under the one-time secret of the link code, so each side knows the other
 * saw the code.
 */
export type DeviceLinkBody =
  | { readonly step: 'offer'; readonly proof: Uint8Array; readonly card: Uint8Array }
  | {
      readonly step: 'request';
      readonly proof: Uint8Array;
      /** An encoded device certificate whose account signature is all zero: the account signs it. */
      readonly certificateRequest: Uint8Array;
      /** The new device's mailbox id on each inbox relay of the offered card, in its order. */
      readonly mailboxIds: readonly Uint8Array[];
    }
  | {
      readonly step: 'complete';
      /** The account's new card, whose device list includes the new device. */
      readonly card: Uint8Array;
      readonly contacts: readonly Uint8Array[];
      readonly groups: readonly LinkedGroup[];
    };

const LINK_STEPS = ['offer', 'request', 'complete'] as const;
export const LINK_PROOF_BYTES = 32;
const MAX_INBOX_RELAYS = 8;

export function encodeDeviceLinkBody(body: DeviceLinkBody): Uint8Array {
  const write = writer().u8(LINK_STEPS.indexOf(body.step) + 1);
  switch (body.step) {
    case 'offer':
      return write.fixed(body.proof, LINK_PROOF_BYTES, 'proof').prefixed(body.card, 4, MAX_CARD_BYTES, 'card').finish();
    case 'request':
      write.fixed(body.proof, LINK_PROOF_BYTES, 'proof').prefixed(body.certificateRequest, 2, 4096, 'certificate request').u8(body.mailboxIds.length);
      for (const id of body.mailboxIds) write.fixed(id, 32, 'mailbox id');
      return write.finish();
    case 'complete':
      write.prefixed(body.card, 4, MAX_CARD_BYTES, 'card').u16(body.contacts.length);
      for (const contact of body.contacts) write.prefixed(contact, 4, MAX_CARD_BYTES, 'contact card');
      write.u16(body.groups.length);
      for (const group of body.groups) {
        write.fixed(group.groupId, CONVERSATION_ID_BYTES, 'group id').prefixed(group.state, 4, MAX_BODY_BYTES, 'group state');
      }
      return write.finish();
  }
}

export function decodeDeviceLinkBody(bytes: Uint8Array): DeviceLinkBody {
  const read: ByteReader = reader(bytes, 'device link body');
  const step = LINK_STEPS[read.u8('step') - 1];
  let body: DeviceLinkBody;
  switch (step) {
    case 'offer':
      body = { step, proof: read.fixed(LINK_PROOF_BYTES, 'proof'), card: read.prefixed(4, MAX_CARD_BYTES, 'card') };
      break;
    case 'request': {
      const proof = read.fixed(LINK_PROOF_BYTES, 'proof');
      const certificateRequest = read.prefixed(2, 4096, 'certificate request');
      const mailboxIds = Array.from({ length: read.count(1, 1, MAX_INBOX_RELAYS, 'mailbox ids') }, () => read.fixed(32, 'mailbox id'));
      body = { step, proof, certificateRequest, mailboxIds };
      break;
    }
    case 'complete': {
      const card = read.prefixed(4, MAX_CARD_BYTES, 'card');
      const contacts = Array.from({ length: read.count(2, 0, MAX_LINKED_CONTACTS, 'contacts') }, () => read.prefixed(4, MAX_CARD_BYTES, 'contact card'));
      const groups = Array.from({ length: read.count(2, 0, MAX_LINKED_GROUPS, 'groups') }, () => ({
        groupId: read.fixed(CONVERSATION_ID_BYTES, 'group id'),
        state: read.prefixed(4, MAX_BODY_BYTES, 'group state'),
      }));
      body = { step, card, contacts, groups };
      break;
    }
    default:
      read.fail('unknown link step');
  }
  read.end();
  return body;
}
