// The fixed keys and per-message values behind the frozen test vectors (docs/PROTOCOL.md §6),
// shared by the generator and by test/unit/crypto/vectors.test.ts.
import sodium from 'sodium-native';
import { MessageType } from '../../src/common/protocol/constants.js';
import type { AttachmentDescriptor } from '../../src/common/protocol/envelope.js';
import { certifyDevice, signDeviceList } from '../../src/core/crypto/device-list.js';
import type { EnvelopeSecrets, OutgoingMessage, RecipientDevice, SlotSealer } from '../../src/core/crypto/envelope.js';
import { importAccountSecret, importDeviceSecrets } from '../../src/core/crypto/identity.js';
import { blake2b, x25519Base } from '../../src/core/crypto/sodium.js';

export const fill = (length: number, byte: number) => new Uint8Array(length).fill(byte);

export const aliceAccount = () => importAccountSecret(Uint8Array.of(1, ...fill(32, 0x01)));
export const bobAccount = () => importAccountSecret(Uint8Array.of(1, ...fill(32, 0x02)));
/** Device secrets: format 1 ‖ Ed25519 seed ‖ X25519 secret ‖ mailbox root secret. */
export const aliceDevice = () => importDeviceSecrets(Uint8Array.of(1, ...fill(32, 0x11), ...fill(32, 0x12), ...fill(32, 0x13)));
export const bobDevices = () => [
  importDeviceSecrets(Uint8Array.of(1, ...fill(32, 0x21), ...fill(32, 0x22), ...fill(32, 0x23))),
  importDeviceSecrets(Uint8Array.of(1, ...fill(32, 0x31), ...fill(32, 0x32), ...fill(32, 0x33))),
];

export const CREATED_AT = 1_700_000_000_000;
export const RELAY = { url: 'https://relay.example', relayKey: fill(32, 0x41) };

export function bobDeviceList() {
  const bob = bobAccount();
  return signDeviceList(bob, {
    version: 7,
    issuedAt: CREATED_AT + 5_000,
    relays: [RELAY],
    devices: bobDevices().map((device, index) => ({
      certificate: certifyDevice(bob, device, { createdAt: CREATED_AT + index, label: index === 0 ? 'Laptop' : 'Phone' }),
      mailboxIds: [fill(32, 0x51 + index)],
    })),
  });
}

export const ENVELOPE_SECRETS: EnvelopeSecrets = { msgId: fill(16, 0x61), nonce: fill(24, 0x62), messageKey: fill(32, 0x63) };

/** Alice's message to Bob's devices; the attachment is the one of the attachment vector. */
export function vectorMessage(recipients: RecipientDevice[], attachmentKey: Uint8Array, ciphertextHash: Uint8Array): OutgoingMessage {
  const attachment: AttachmentDescriptor = {
    blobId: fill(32, 0x65),
    relays: [RELAY.url],
    size: 100,
    mime: 'text/plain',
    name: 'notes.txt',
    key: attachmentKey,
    ciphertextHash,
  };
  return {
    type: MessageType.ChatMessage,
    conversationId: fill(32, 0x64),
    sentAt: CREATED_AT + 60_000,
    body: new TextEncoder().encode('hello, Bob'),
    attachments: [attachment],
    recipients,
  };
}

/** Ephemeral X25519 secret used for the key slot of recipient number `index` (sorted order). */
export const ephemeralSecret = (index: number) => fill(32, 0x71 + index);

/**
 * crypto_box_seal with a chosen ephemeral key, so slots are reproducible: ephemeral public
 * key ‖ crypto_box_easy(K, nonce = BLAKE2b-192(epk ‖ pk), pk, esk). libsodium builds its
 * sealed boxes this way with a random ephemeral key.
 */
export function deterministicSealer(): SlotSealer {
  let index = 0;
  return (messageKey, recipient) => {
    const secret = ephemeralSecret(index++);
    const publicKey = x25519Base(secret);
    const nonce = blake2b(sodium.crypto_box_NONCEBYTES, [publicKey, recipient.encryptionKey]);
    const box = Buffer.alloc(messageKey.length + sodium.crypto_box_MACBYTES);
    sodium.crypto_box_easy(box, messageKey, nonce, recipient.encryptionKey, secret);
    return Buffer.concat([publicKey, box]);
  };
}
