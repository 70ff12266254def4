// Fixed numbers and labels of protocol version 1 (docs/PROTOCOL.md §1–§5). The byte sizes
// are libsodium's; src/core/crypto checks at load time that the binding agrees.

export const PROTOCOL_VERSION = 1;

export const PUBLIC_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const DEVICE_ID_BYTES = 32;
export const MSG_ID_BYTES = 16;
export const CONVERSATION_ID_BYTES = 32;
export const MAILBOX_ID_BYTES = 32;
export const MESSAGE_KEY_BYTES = 32;
export const NONCE_BYTES = 24;
export const COMMITMENT_BYTES = 32;
export const HINT_BYTES = 8;
/** crypto_box_seal of a 32-byte key: ephemeral public key (32) + key + MAC (16). */
export const SEALED_KEY_BYTES = 32 + MESSAGE_KEY_BYTES + 16;
export const AEAD_TAG_BYTES = 16;
export const ATTACHMENT_KEY_BYTES = 32;
export const BLOB_ID_BYTES = 32;
export const CIPHERTEXT_HASH_BYTES = 32;

/**
 * What an envelope carries. The value is the byte inside the encrypted header block; the
 * name is part of the signature's domain label, so a signature made for one type never
 * verifies as another. The messenger layer gives each type's body its meaning.
 */
export const MessageType = {
  ChatMessage: 1,
  Receipt: 2,
  DeviceListUpdate: 3,
  ContactRequest: 4,
  ContactAccept: 5,
  GroupUpdate: 6,
  DeviceLink: 7,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

const MESSAGE_TYPE_NAMES: Readonly<Record<MessageType, string>> = {
  [MessageType.ChatMessage]: 'chat-message',
  [MessageType.Receipt]: 'receipt',
  [MessageType.DeviceListUpdate]: 'device-list-update',
  [MessageType.ContactRequest]: 'contact-request',
  [MessageType.ContactAccept]: 'contact-accept',
  [MessageType.GroupUpdate]: 'group-update',
  [MessageType.DeviceLink]: 'device-link',
};

export function isMessageType(value: number): value is MessageType {
  return Object.hasOwn(MESSAGE_TYPE_NAMES, value);
}

export function messageTypeName(type: MessageType): string {
  return MESSAGE_TYPE_NAMES[type];
}

/** Domain-separation labels (encoded with `domainPrefix`); one per hash or signature purpose. */
export const DOMAIN = {
  deviceId: 'aegees/v1/device-id',
  deviceBinding: 'aegees/v1/device-binding',
  deviceCertificate: 'aegees/v1/device-certificate',
  deviceList: 'aegees/v1/device-list',
  safetyNumber: 'aegees/v1/safety-number',
  keyCommitment: 'aegees/v1/envelope/key-commitment',
  recipientHint: 'aegees/v1/envelope/recipient-hint',
} as const;

export function envelopeSignatureDomain(type: MessageType): string {
  return `aegees/v1/envelope/signature/${messageTypeName(type)}`;
}
