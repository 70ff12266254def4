// Byte codecs for envelope v1 and its header block (docs/PROTOCOL.md §4). Pure structure:
// src/core/crypto/envelope.ts does the sealing, encryption and signatures.
import { AegeesError } from '../errors.js';
import { ByteReader, ByteWriter, compareBytes, concatBytes, domainPrefix } from './codec.js';
import {
  AEAD_TAG_BYTES,
  ATTACHMENT_KEY_BYTES,
  BLOB_ID_BYTES,
  CIPHERTEXT_HASH_BYTES,
  COMMITMENT_BYTES,
  CONVERSATION_ID_BYTES,
  DEVICE_ID_BYTES,
  DOMAIN,
  HINT_BYTES,
  MSG_ID_BYTES,
  NONCE_BYTES,
  PROTOCOL_VERSION,
  PUBLIC_KEY_BYTES,
  SEALED_KEY_BYTES,
  SIGNATURE_BYTES,
  envelopeSignatureDomain,
  isMessageType,
  type MessageType,
} from './constants.js';
import {
  MAX_ATTACHMENTS,
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENT_RELAYS,
  MAX_BODY_BYTES,
  MAX_FILE_NAME_BYTES,
  MAX_HEADER_BYTES,
  MAX_MIME_BYTES,
  MAX_RECIPIENTS,
  MAX_URL_BYTES,
} from './limits.js';

/** One recipient device's copy of the message key. */
export interface KeySlot {
  /** Lets a device find its slot without trying every one (§4.4). */
  readonly hint: Uint8Array;
  /** crypto_box_seal of the message key to the device's X25519 key. */
  readonly sealedKey: Uint8Array;
}

/** The envelope as it travels: everything a relay can see. */
export interface Envelope {
  readonly msgId: Uint8Array;
  readonly nonce: Uint8Array;
  readonly commitment: Uint8Array;
  readonly slots: readonly KeySlot[];
  /** XChaCha20-Poly1305 of header block ‖ signature. */
  readonly ciphertext: Uint8Array;
}

export interface DecodedEnvelope extends Envelope {
  /** The encoded bytes before the ciphertext: the AEAD's associated data. */
  readonly associatedData: Uint8Array;
}

export interface AttachmentDescriptor {
  /** The blob's id on its relays. */
  readonly blobId: Uint8Array;
  readonly relays: readonly string[];
  /** Plaintext size in bytes. */
  readonly size: number;
  readonly mime: string;
  readonly name: string;
  /** The attachment's secretstream key. */
  readonly key: Uint8Array;
  /** SHA-256 of the whole attachment ciphertext (§5). */
  readonly ciphertextHash: Uint8Array;
}

/** The signed, encrypted part of a message. */
export interface HeaderBlock {
  readonly type: MessageType;
  readonly conversationId: Uint8Array;
  readonly senderAccount: Uint8Array;
  readonly senderDevice: Uint8Array;
  /** Milliseconds since the Unix epoch, by the sender's clock. */
  readonly sentAt: number;
  /** Device ids of every recipient device, sorted, no duplicates; one key slot each. */
  readonly recipients: readonly Uint8Array[];
  readonly body: Uint8Array;
  readonly attachments: readonly AttachmentDescriptor[];
}

const SLOT_BYTES = HINT_BYTES + SEALED_KEY_BYTES;
/** Header block bytes besides the recipient ids, the body and the attachments. */
const HEADER_FIXED_BYTES = 1 + CONVERSATION_ID_BYTES + PUBLIC_KEY_BYTES + DEVICE_ID_BYTES + 8 + 2 + 4 + 1;
const CIPHERTEXT_OVERHEAD = SIGNATURE_BYTES + AEAD_TAG_BYTES;

/** Largest possible encoded envelope, for transports that bound what they read. */
export const MAX_ENVELOPE_BYTES =
  1 + MSG_ID_BYTES + NONCE_BYTES + COMMITMENT_BYTES + 2 + MAX_RECIPIENTS * SLOT_BYTES + 4 + MAX_HEADER_BYTES + CIPHERTEXT_OVERHEAD;

/** The envelope's encoding up to and including the ciphertext length: the AEAD's AD. */
export function encodeEnvelopePrefix(envelope: Omit<Envelope, 'ciphertext'>, ciphertextLength: number): Uint8Array {
  const slotCount = envelope.slots.length;
  if (slotCount < 1) throw new AegeesError('INVALID_ARGUMENT', 'an envelope needs at least one key slot');
  if (slotCount > MAX_RECIPIENTS) {
    throw new AegeesError('TOO_LARGE', `${slotCount} recipient devices; the limit is ${MAX_RECIPIENTS}`);
  }
  checkCiphertextLength(ciphertextLength, slotCount, 'INVALID_ARGUMENT');
  const writer = new ByteWriter(1 + MSG_ID_BYTES + NONCE_BYTES + COMMITMENT_BYTES + 6 + slotCount * SLOT_BYTES);
  writer
    .u8(PROTOCOL_VERSION)
    .fixed(envelope.msgId, MSG_ID_BYTES, 'msgId')
    .fixed(envelope.nonce, NONCE_BYTES, 'nonce')
    .fixed(envelope.commitment, COMMITMENT_BYTES, 'key commitment')
    .u16(slotCount);
  for (const slot of envelope.slots) {
    writer.fixed(slot.hint, HINT_BYTES, 'recipient hint').fixed(slot.sealedKey, SEALED_KEY_BYTES, 'sealed key');
  }
  writer.u32(ciphertextLength);
  return writer.finish();
}

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  return concatBytes([encodeEnvelopePrefix(envelope, envelope.ciphertext.length), envelope.ciphertext]);
}

/** The version byte of an encoded envelope, checked first so old clients fail clearly. */
export function checkEnvelopeVersion(bytes: Uint8Array): void {
  if (bytes.length === 0) throw new AegeesError('MALFORMED', 'envelope: empty');
  if (bytes[0] !== PROTOCOL_VERSION) {
    throw new AegeesError(
      'UNSUPPORTED_VERSION',
      `envelope version ${bytes[0]} is not supported; this client reads version ${PROTOCOL_VERSION}`,
    );
  }
}

export function decodeEnvelope(bytes: Uint8Array): DecodedEnvelope {
  checkEnvelopeVersion(bytes);
  const reader = new ByteReader(bytes, 'envelope');
  reader.u8('version');
  const msgId = reader.fixed(MSG_ID_BYTES, 'msgId');
  const nonce = reader.fixed(NONCE_BYTES, 'nonce');
  const commitment = reader.fixed(COMMITMENT_BYTES, 'key commitment');
  const slotCount = reader.count(2, 1, MAX_RECIPIENTS, 'slot count');
  if (reader.remaining < slotCount * SLOT_BYTES) reader.fail('truncated in key slots');
  const slots: KeySlot[] = [];
  for (let i = 0; i < slotCount; i++) {
    slots.push({ hint: reader.fixed(HINT_BYTES, 'recipient hint'), sealedKey: reader.fixed(SEALED_KEY_BYTES, 'sealed key') });
  }
  const ciphertextLength = reader.u32('ciphertext length');
  checkCiphertextLength(ciphertextLength, slotCount, 'MALFORMED');
  const associatedData = reader.consumedSince(0);
  const ciphertext = reader.fixed(ciphertextLength, 'ciphertext');
  reader.end();
  return { msgId, nonce, commitment, slots, ciphertext, associatedData };
}

function checkCiphertextLength(length: number, slotCount: number, code: 'MALFORMED' | 'INVALID_ARGUMENT'): void {
  // Every recipient has a slot and a 32-byte id in the header, which bounds the length below.
  const min = HEADER_FIXED_BYTES + slotCount * DEVICE_ID_BYTES + CIPHERTEXT_OVERHEAD;
  if (length < min) throw new AegeesError(code, `envelope: ciphertext of ${length} bytes is too short for ${slotCount} recipients`);
  if (length > MAX_HEADER_BYTES + CIPHERTEXT_OVERHEAD) {
    throw new AegeesError('TOO_LARGE', `envelope: ciphertext of ${length} bytes exceeds the header limit`);
  }
}

export function encodeHeaderBlock(header: HeaderBlock): Uint8Array {
  if (!isMessageType(header.type)) throw new AegeesError('INVALID_ARGUMENT', `unknown message type ${String(header.type)}`);
  const count = header.recipients.length;
  if (count < 1) throw new AegeesError('INVALID_ARGUMENT', 'a message needs at least one recipient device');
  if (count > MAX_RECIPIENTS) throw new AegeesError('TOO_LARGE', `${count} recipient devices; the limit is ${MAX_RECIPIENTS}`);
  if (header.attachments.length > MAX_ATTACHMENTS) {
    throw new AegeesError('TOO_LARGE', `${header.attachments.length} attachments; the limit is ${MAX_ATTACHMENTS}`);
  }
  const writer = new ByteWriter(HEADER_FIXED_BYTES + count * DEVICE_ID_BYTES + header.body.length + 256);
  writer
    .u8(header.type)
    .fixed(header.conversationId, CONVERSATION_ID_BYTES, 'conversation id')
    .fixed(header.senderAccount, PUBLIC_KEY_BYTES, 'sender account')
    .fixed(header.senderDevice, DEVICE_ID_BYTES, 'sender device')
    .u64(header.sentAt)
    .u16(count);
  header.recipients.forEach((recipient, index) => {
    const previous = header.recipients[index - 1];
    if (previous && compareBytes(previous, recipient) >= 0) {
      throw new AegeesError('INVALID_ARGUMENT', 'recipient device ids must be sorted without duplicates');
    }
    writer.fixed(recipient, DEVICE_ID_BYTES, 'recipient device id');
  });
  writer.prefixed(header.body, 4, MAX_BODY_BYTES, 'body').u8(header.attachments.length);
  for (const attachment of header.attachments) writeAttachment(writer, attachment);
  const bytes = writer.finish();
  if (bytes.length > MAX_HEADER_BYTES) throw new AegeesError('TOO_LARGE', `header block of ${bytes.length} bytes`);
  return bytes;
}

export function decodeHeaderBlock(bytes: Uint8Array): HeaderBlock {
  if (bytes.length > MAX_HEADER_BYTES) throw new AegeesError('TOO_LARGE', `header block of ${bytes.length} bytes`);
  const reader: ByteReader = new ByteReader(bytes, 'header block');
  const type = reader.u8('message type');
  if (!isMessageType(type)) reader.fail(`unknown message type ${type}`);
  const conversationId = reader.fixed(CONVERSATION_ID_BYTES, 'conversation id');
  const senderAccount = reader.fixed(PUBLIC_KEY_BYTES, 'sender account');
  const senderDevice = reader.fixed(DEVICE_ID_BYTES, 'sender device');
  const sentAt = reader.u64('sent at');
  const count = reader.count(2, 1, MAX_RECIPIENTS, 'recipient count');
  const recipients: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const recipient = reader.fixed(DEVICE_ID_BYTES, 'recipient device id');
    const previous = recipients[i - 1];
    if (previous && compareBytes(previous, recipient) >= 0) reader.fail('recipient device ids are not sorted or repeat');
    recipients.push(recipient);
  }
  const body = reader.prefixed(4, MAX_BODY_BYTES, 'body');
  const attachmentCount = reader.count(1, 0, MAX_ATTACHMENTS, 'attachment count');
  const attachments: AttachmentDescriptor[] = [];
  for (let i = 0; i < attachmentCount; i++) attachments.push(readAttachment(reader));
  reader.end();
  return { type, conversationId, senderAccount, senderDevice, sentAt, recipients, body, attachments };
}

function writeAttachment(writer: ByteWriter, attachment: AttachmentDescriptor): void {
  const relayCount = attachment.relays.length;
  if (relayCount < 1 || relayCount > MAX_ATTACHMENT_RELAYS) {
    throw new AegeesError('INVALID_ARGUMENT', `an attachment lists 1 to ${MAX_ATTACHMENT_RELAYS} relays, not ${relayCount}`);
  }
  if (new Set(attachment.relays).size !== relayCount) throw new AegeesError('INVALID_ARGUMENT', 'attachment relays repeat');
  if (!Number.isSafeInteger(attachment.size) || attachment.size < 0 || attachment.size > MAX_ATTACHMENT_BYTES) {
    throw new AegeesError('INVALID_ARGUMENT', `attachment size ${attachment.size} is out of range`);
  }
  writer.fixed(attachment.blobId, BLOB_ID_BYTES, 'blob id').u8(relayCount);
  for (const relay of attachment.relays) writer.ascii(relay, 2, 1, MAX_URL_BYTES, 'attachment relay url');
  writer
    .u64(attachment.size)
    .ascii(attachment.mime, 1, 1, MAX_MIME_BYTES, 'media type')
    .string(attachment.name, 2, MAX_FILE_NAME_BYTES, 'file name')
    .fixed(attachment.key, ATTACHMENT_KEY_BYTES, 'attachment key')
    .fixed(attachment.ciphertextHash, CIPHERTEXT_HASH_BYTES, 'ciphertext hash');
}

function readAttachment(reader: ByteReader): AttachmentDescriptor {
  const blobId = reader.fixed(BLOB_ID_BYTES, 'blob id');
  const relayCount = reader.count(1, 1, MAX_ATTACHMENT_RELAYS, 'attachment relay count');
  const relays: string[] = [];
  for (let i = 0; i < relayCount; i++) {
    const relay = reader.ascii(2, 1, MAX_URL_BYTES, 'attachment relay url');
    if (relays.includes(relay)) reader.fail('attachment relays repeat');
    relays.push(relay);
  }
  const size = reader.u64('attachment size');
  if (size > MAX_ATTACHMENT_BYTES) throw new AegeesError('TOO_LARGE', `header block: attachment of ${size} bytes`);
  return {
    blobId,
    relays,
    size,
    mime: reader.ascii(1, 1, MAX_MIME_BYTES, 'media type'),
    name: reader.string(2, MAX_FILE_NAME_BYTES, 'file name'),
    key: reader.fixed(ATTACHMENT_KEY_BYTES, 'attachment key'),
    ciphertextHash: reader.fixed(CIPHERTEXT_HASH_BYTES, 'ciphertext hash'),
  };
}

const SIGNATURE_PREFIXES = new Map<MessageType, Uint8Array>();

/** What the sender device signs (§4.3): type-specific label, clear fields, header block. */
export function envelopeSignatureTranscript(
  type: MessageType,
  clear: { readonly msgId: Uint8Array; readonly nonce: Uint8Array; readonly commitment: Uint8Array },
  headerBytes: Uint8Array,
): Uint8Array {
  let prefix = SIGNATURE_PREFIXES.get(type);
  if (!prefix) SIGNATURE_PREFIXES.set(type, (prefix = domainPrefix(envelopeSignatureDomain(type))));
  return concatBytes([
    prefix,
    Uint8Array.of(PROTOCOL_VERSION),
    clear.msgId,
    clear.nonce,
    clear.commitment,
    headerBytes,
  ]);
}

const KEY_COMMITMENT_PREFIX = domainPrefix(DOMAIN.keyCommitment);
const RECIPIENT_HINT_PREFIX = domainPrefix(DOMAIN.recipientHint);

/** Input of the keyed hash that commits to the message key (§4.2); the key is the hash key. */
export function keyCommitmentInput(msgId: Uint8Array, nonce: Uint8Array): Uint8Array {
  return concatBytes([KEY_COMMITMENT_PREFIX, msgId, nonce]);
}

/** Input of the hash whose first bytes are a device's hint in this message (§4.4). */
export function recipientHintInput(msgId: Uint8Array, deviceId: Uint8Array): Uint8Array {
  return concatBytes([RECIPIENT_HINT_PREFIX, msgId, deviceId]);
}
