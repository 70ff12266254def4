// Envelope v1 (docs/PROTOCOL.md §4): a random message key K encrypts the signed header
// block; K is sealed once per recipient device; a keyed hash of K commits to it.
import { AegeesError } from '../../common/errors.js';
import { bytesEqual, compareBytes } from '../../common/protocol/codec.js';
import {
  AEAD_TAG_BYTES,
  COMMITMENT_BYTES,
  HINT_BYTES,
  MESSAGE_KEY_BYTES,
  MSG_ID_BYTES,
  NONCE_BYTES,
  SIGNATURE_BYTES,
  type MessageType,
} from '../../common/protocol/constants.js';
import {
  decodeEnvelope,
  decodeHeaderBlock,
  encodeEnvelopePrefix,
  encodeHeaderBlock,
  envelopeSignatureTranscript,
  keyCommitmentInput,
  recipientHintInput,
  type AttachmentDescriptor,
  type HeaderBlock,
  type KeySlot,
} from '../../common/protocol/envelope.js';
import { deviceIdOf, type DeviceKeys } from './identity.js';
import {
  AEAD_KEY_BYTES,
  AEAD_NONCE_BYTES,
  aeadDecrypt,
  aeadEncrypt,
  blake2b,
  constantTimeEqual,
  openSealedInto,
  randomBytes,
  randomFill,
  sealTo,
  secureBuffer,
  sign,
  verify,
  wipe,
} from './sodium.js';

if (AEAD_KEY_BYTES !== MESSAGE_KEY_BYTES || AEAD_NONCE_BYTES !== NONCE_BYTES) {
  throw new Error('libsodium AEAD sizes differ from the protocol constants');
}

export interface RecipientDevice {
  readonly deviceId: Uint8Array;
  /** The device's X25519 key from its verified certificate. */
  readonly encryptionKey: Uint8Array;
}

export interface Sender {
  readonly accountId: Uint8Array;
  readonly device: DeviceKeys;
}

export interface OutgoingMessage {
  readonly type: MessageType;
  readonly conversationId: Uint8Array;
  readonly sentAt: number;
  readonly body: Uint8Array;
  readonly attachments: readonly AttachmentDescriptor[];
  /** Every device that may read the message, including the sender's other devices. */
  readonly recipients: readonly RecipientDevice[];
}

export interface SealedEnvelope {
  readonly msgId: Buffer;
  readonly bytes: Uint8Array;
}

/** The per-message randomness, separate so the test vectors can fix it. */
export interface EnvelopeSecrets {
  readonly messageKey: Uint8Array;
  readonly msgId: Uint8Array;
  readonly nonce: Uint8Array;
}

export type SlotSealer = (messageKey: Uint8Array, recipient: RecipientDevice) => Uint8Array;

export interface OpenedMessage extends HeaderBlock {
  readonly msgId: Uint8Array;
}

/**
 * Returns the Ed25519 key of the header's sender device (`senderAccount`, `senderDevice`)
 * from that account's verified device list, or undefined if the device is not in it.
 */
export type SenderKeyLookup = (header: HeaderBlock) => Uint8Array | undefined;

export function keyCommitment(messageKey: Uint8Array, msgId: Uint8Array, nonce: Uint8Array): Buffer {
  return blake2b(COMMITMENT_BYTES, keyCommitmentInput(msgId, nonce), messageKey);
}

/** The first 8 bytes of a 16-byte BLAKE2b: libsodium bindings differ on shorter outputs. */
export function recipientHint(msgId: Uint8Array, deviceId: Uint8Array): Buffer {
  return blake2b(16, recipientHintInput(msgId, deviceId)).subarray(0, HINT_BYTES);
}

// The message key of the envelope being sealed or opened. Sealing and opening are
// synchronous, so one guarded buffer serves every message: a fresh sodium_malloc per message
// costs several system calls, and Node returns it to libsodium only when the event loop
// next turns, so a busy synchronous loop would exhaust the process's memory mappings.
const messageKey = secureBuffer(MESSAGE_KEY_BYTES);

export function sealEnvelope(sender: Sender, message: OutgoingMessage): SealedEnvelope {
  randomFill(messageKey);
  const secrets = { messageKey, msgId: randomBytes(MSG_ID_BYTES), nonce: randomBytes(NONCE_BYTES) };
  try {
    return { msgId: secrets.msgId, bytes: buildEnvelope(sender, message, secrets, (key, recipient) => sealTo(key, recipient.encryptionKey)) };
  } finally {
    wipe(messageKey);
  }
}

/** The deterministic part of sealing: everything but the randomness and the key slots. */
export function buildEnvelope(sender: Sender, message: OutgoingMessage, secrets: EnvelopeSecrets, sealSlot: SlotSealer): Uint8Array {
  const recipients = [...message.recipients].sort((a, b) => compareBytes(a.deviceId, b.deviceId));
  const headerBytes = encodeHeaderBlock({
    type: message.type,
    conversationId: message.conversationId,
    senderAccount: sender.accountId,
    senderDevice: sender.device.deviceId,
    sentAt: message.sentAt,
    recipients: recipients.map((recipient) => recipient.deviceId),
    body: message.body,
    attachments: message.attachments,
  });
  const { messageKey, msgId, nonce } = secrets;
  const commitment = keyCommitment(messageKey, msgId, nonce);
  const signature = sign(envelopeSignatureTranscript(message.type, { msgId, nonce, commitment }, headerBytes), sender.device.signing.secretKey);
  const plaintext = Buffer.concat([headerBytes, signature]);
  const slots: KeySlot[] = recipients.map((recipient) => ({
    hint: recipientHint(msgId, recipient.deviceId),
    sealedKey: sealSlot(messageKey, recipient),
  }));
  const associatedData = encodeEnvelopePrefix({ msgId, nonce, commitment, slots }, plaintext.length + AEAD_TAG_BYTES);
  const ciphertext = aeadEncrypt(plaintext, associatedData, nonce, messageKey);
  wipe(plaintext);
  return Buffer.concat([associatedData, ciphertext]);
}

/**
 * Opens an envelope for one of this device's slots, checks the key commitment, decrypts
 * and decodes the header block, and verifies the sender device's signature. Every failure
 * is an AegeesError; nothing of a rejected envelope is returned.
 */
export function openEnvelope(bytes: Uint8Array, recipient: DeviceKeys, senderKey: SenderKeyLookup): OpenedMessage {
  const envelope = decodeEnvelope(bytes);
  const { msgId, nonce, commitment, slots } = envelope;
  const slotIndex = openSlot(slots, msgId, recipient);
  let plaintext: Buffer;
  try {
    if (!constantTimeEqual(keyCommitment(messageKey, msgId, nonce), commitment)) {
      throw new AegeesError('KEY_COMMITMENT_MISMATCH', 'the message key does not match the envelope key commitment');
    }
    plaintext = aeadDecrypt(envelope.ciphertext, envelope.associatedData, nonce, messageKey);
  } finally {
    wipe(messageKey);
  }
  try {
    const headerBytes = plaintext.subarray(0, plaintext.length - SIGNATURE_BYTES);
    const signature = plaintext.subarray(plaintext.length - SIGNATURE_BYTES);
    const header = decodeHeaderBlock(headerBytes);
    if (header.recipients.length !== slots.length) {
      throw new AegeesError('MALFORMED', `envelope: ${slots.length} key slots for ${header.recipients.length} recipients`);
    }
    // The signed recipient list, not the slots, says who the message is for: a recipient
    // who re-seals K for someone else cannot add that someone to the list.
    if (!bytesEqual(header.recipients[slotIndex]!, recipient.deviceId)) {
      throw new AegeesError('NOT_A_RECIPIENT', 'this device is not among the signed recipients');
    }
    const key = senderKey(header);
    if (!key || !bytesEqual(deviceIdOf(key), header.senderDevice)) {
      throw new AegeesError('UNKNOWN_SENDER', 'the sender device is not in the sender account\'s device list');
    }
    const transcript = envelopeSignatureTranscript(header.type, { msgId, nonce, commitment }, headerBytes);
    if (!verify(signature, transcript, key)) throw new AegeesError('BAD_SIGNATURE', 'the sender signature does not verify');
    return { msgId, ...header };
  } finally {
    wipe(plaintext);
  }
}

/** Unseals this device's slot into `messageKey` and returns its index. */
function openSlot(slots: readonly KeySlot[], msgId: Uint8Array, recipient: DeviceKeys): number {
  const hint = recipientHint(msgId, recipient.deviceId);
  // Hints are short, so another device's hint may collide with ours: try each match.
  for (const [slotIndex, slot] of slots.entries()) {
    if (bytesEqual(slot.hint, hint) && openSealedInto(messageKey, slot.sealedKey, recipient.encryption)) return slotIndex;
  }
  wipe(messageKey);
  throw new AegeesError('NOT_A_RECIPIENT', 'no key slot of this envelope opens for this device');
}
