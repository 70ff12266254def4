import { describe, expect, it } from 'vitest';
import { MessageType } from '../../../src/common/protocol/constants.js';
import {
  decodeEnvelope,
  decodeHeaderBlock,
  encodeEnvelopePrefix,
  encodeHeaderBlock,
  type AttachmentDescriptor,
} from '../../../src/common/protocol/envelope.js';
import { MAX_RECIPIENTS } from '../../../src/common/protocol/limits.js';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { keyCommitment, openEnvelope, recipientHint, sealEnvelope } from '../../../src/core/crypto/envelope.js';
import { aeadDecrypt, aeadEncrypt, openSealed, sealTo } from '../../../src/core/crypto/sodium.js';
import { chatMessage, expectCode, flipBit, lookupIn, makeAccount, recipientsOf } from './helpers.js';
import { ciphertextForTwoKeys } from './poly1305-collision.js';

const alice = makeAccount(2);
const bob = makeAccount(2);
const carol = makeAccount(1);
const lookup = lookupIn(alice, bob, carol);
const sender = { accountId: alice.account.accountId, device: alice.devices[0]! };

const attachment: AttachmentDescriptor = {
  blobId: new Uint8Array(32).fill(0xb1),
  relays: ['https://relay-a.example', 'https://relay-b.example'],
  size: 123_456,
  mime: 'image/png',
  name: 'holiday photo ☀.png',
  key: new Uint8Array(32).fill(0x4b),
  ciphertextHash: new Uint8Array(32).fill(0x48),
};

/** Alice → Bob's two devices and Alice's other device. */
function sealToBob(text = 'hello Bob') {
  return sealEnvelope(sender, chatMessage(recipientsOf(bob).concat(recipientsOf(alice).slice(1)), text));
}

describe('envelope v1', () => {
  it('opens for every recipient device with the sender, recipients and body intact', () => {
    const message = { ...chatMessage(recipientsOf(bob, carol), 'hi all'), attachments: [attachment] };
    const sealed = sealEnvelope(sender, message);
    for (const device of [...bob.devices, ...carol.devices]) {
      const opened = openEnvelope(sealed.bytes, device, lookup);
      expect(Buffer.from(opened.msgId).equals(sealed.msgId)).toBe(true);
      expect(new TextDecoder().decode(opened.body)).toBe('hi all');
      expect(opened.type).toBe(MessageType.ChatMessage);
      expect(Buffer.from(opened.senderAccount).equals(alice.account.accountId)).toBe(true);
      expect(Buffer.from(opened.senderDevice).equals(alice.devices[0]!.deviceId)).toBe(true);
      expect(opened.sentAt).toBe(message.sentAt);
      expect(opened.recipients).toHaveLength(3);
      expect(opened.attachments).toEqual([{ ...attachment, blobId: attachment.blobId, key: attachment.key }]);
    }
  });

  it('gives each message a fresh msgId, key and nonce', () => {
    const first = decodeEnvelope(sealToBob().bytes);
    const second = decodeEnvelope(sealToBob().bytes);
    expect(Buffer.from(first.msgId).equals(second.msgId)).toBe(false);
    expect(Buffer.from(first.nonce).equals(second.nonce)).toBe(false);
    expect(Buffer.from(first.commitment).equals(second.commitment)).toBe(false);
  });

  it('rejects every single-bit flip anywhere in the envelope', () => {
    const { bytes } = sealToBob();
    const recipient = bob.devices[1]!;
    const codes = new Set<string>();
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      codes.add(expectAnyRejection(() => openEnvelope(flipBit(bytes, bit), recipient, lookup)));
    }
    // Each layer catches its share: framing, slot lookup, commitment, AEAD.
    const layers = ['DECRYPT_FAILED', 'KEY_COMMITMENT_MISMATCH', 'MALFORMED', 'NOT_A_RECIPIENT', 'TOO_LARGE', 'UNSUPPORTED_VERSION'];
    expect(layers).toEqual(expect.arrayContaining([...codes]));
    expect(codes).toContain('DECRYPT_FAILED');
    expect(codes).toContain('KEY_COMMITMENT_MISMATCH');
  });

  it('rejects a device that is not a recipient', () => {
    expectCode(() => openEnvelope(sealToBob().bytes, carol.devices[0]!, lookup), 'NOT_A_RECIPIENT');
  });

  it('rejects a header re-wrapped by a recipient to a new recipient list (surreptitious forwarding)', () => {
    const { bytes } = sealToBob('for Bob only');
    const bobDevice = bob.devices[0]!;
    const envelope = decodeEnvelope(bytes);
    const bobSlot = envelope.slots.find((slot) => openSealed(slot.sealedKey, bobDevice.encryption))!;
    const messageKey = openSealed(bobSlot.sealedKey, bobDevice.encryption)!;
    const plaintext = openHeaderPlaintext(bytes, messageKey);

    // Bob keeps Alice's signed header block and signature but seals K to Carol instead.
    const carolDevice = carol.list.devices[0]!;
    const forwarded = rewrap(envelope, messageKey, plaintext, [
      { hint: recipientHint(envelope.msgId, carolDevice.deviceId), sealedKey: sealTo(messageKey, carolDevice.certificate.encryptionKey) },
      ...envelope.slots.slice(1),
    ]);
    expectCode(() => openEnvelope(forwarded, carol.devices[0]!, lookup), 'NOT_A_RECIPIENT');

    // Bob also rewrites the signed recipient list to name Carol: Alice's signature breaks.
    const header = decodeHeaderBlock(plaintext.subarray(0, plaintext.length - 64));
    const recipients = [carolDevice.deviceId, ...header.recipients.slice(1)].sort(Buffer.compare);
    const forged = Buffer.concat([encodeHeaderBlock({ ...header, recipients }), plaintext.subarray(plaintext.length - 64)]);
    const slots = recipients.map((deviceId) =>
      Buffer.from(deviceId).equals(carolDevice.deviceId)
        ? { hint: recipientHint(envelope.msgId, deviceId), sealedKey: sealTo(messageKey, carolDevice.certificate.encryptionKey) }
        : envelope.slots.find((slot) => Buffer.from(slot.hint).equals(recipientHint(envelope.msgId, deviceId)))!,
    );
    expectCode(() => openEnvelope(rewrap(envelope, messageKey, forged, slots), carol.devices[0]!, lookup), 'BAD_SIGNATURE');
  });

  it('rejects a ciphertext crafted to open under two keys', () => {
    // A malicious sender gives Bob and Carol different keys for one ciphertext, hoping each
    // reads a different message. Poly1305 alone allows it; the key commitment does not.
    const [key1, key2] = [randomBytes(32), randomBytes(32)];
    const msgId = randomBytes(16);
    const nonce = randomBytes(24);
    const bobDevice = bob.list.devices[0]!;
    const carolDevice = carol.list.devices[0]!;
    const slots = [
      { hint: recipientHint(msgId, bobDevice.deviceId), sealedKey: sealTo(key1, bobDevice.certificate.encryptionKey) },
      { hint: recipientHint(msgId, carolDevice.deviceId), sealedKey: sealTo(key2, carolDevice.certificate.encryptionKey) },
    ];
    const length = 320;
    const prefix = encodeEnvelopePrefix({ msgId, nonce, commitment: keyCommitment(key1, msgId, nonce), slots }, length + 16);
    const ciphertext = ciphertextForTwoKeys(key1, key2, nonce, prefix, length);
    expect(aeadDecrypt(ciphertext, prefix, nonce, key1)).toHaveLength(length);
    expect(aeadDecrypt(ciphertext, prefix, nonce, key2)).toHaveLength(length);

    const bytes = Buffer.concat([prefix, ciphertext]);
    expectCode(() => openEnvelope(bytes, carol.devices[0]!, lookup), 'KEY_COMMITMENT_MISMATCH');
  });

  it('rejects a sender device that is not in the sender account\'s device list', () => {
    const impostor = { accountId: alice.account.accountId, device: carol.devices[0]! };
    const sealed = sealEnvelope(impostor, chatMessage(recipientsOf(bob)));
    expectCode(() => openEnvelope(sealed.bytes, bob.devices[0]!, lookup), 'UNKNOWN_SENDER');
  });

  it('rejects a signature made by another device of the sender account', () => {
    // Alice's second device signs, but the header claims her first device.
    const liar = { accountId: alice.account.accountId, device: { ...alice.devices[1]!, deviceId: alice.devices[0]!.deviceId } };
    const sealed = sealEnvelope(liar, chatMessage(recipientsOf(bob)));
    expectCode(() => openEnvelope(sealed.bytes, bob.devices[0]!, lookup), 'BAD_SIGNATURE');
  });

  it('rejects an unknown version with a clear error', () => {
    const bytes = new Uint8Array(sealToBob().bytes);
    bytes[0] = 2;
    const error = expectCode(() => openEnvelope(bytes, bob.devices[0]!, lookup), 'UNSUPPORTED_VERSION');
    expect(error.message).toBe('envelope version 2 is not supported; this client reads version 1');
  });

  it('rejects bad arguments before sealing anything', () => {
    expectCode(() => sealEnvelope(sender, chatMessage([])), 'INVALID_ARGUMENT');
    const twice = recipientsOf(bob).slice(0, 1);
    expectCode(() => sealEnvelope(sender, chatMessage([...twice, ...twice])), 'INVALID_ARGUMENT');
    const lowOrder = [{ deviceId: new Uint8Array(32), encryptionKey: new Uint8Array(32) }];
    expectCode(() => sealEnvelope(sender, chatMessage(lowOrder)), 'INVALID_ARGUMENT');
    expectCode(() => sealEnvelope(sender, { ...chatMessage(recipientsOf(bob)), type: 99 as MessageType }), 'INVALID_ARGUMENT');
  });

  it('binds the message type: a receipt does not verify as a chat message', () => {
    const sealed = sealEnvelope(sender, { ...chatMessage(recipientsOf(bob)), type: MessageType.Receipt });
    const bobDevice = bob.devices[0]!;
    const envelope = decodeEnvelope(sealed.bytes);
    const index = envelope.slots.findIndex((slot) => openSealed(slot.sealedKey, bobDevice.encryption));
    const messageKey = openSealed(envelope.slots[index]!.sealedKey, bobDevice.encryption)!;
    const plaintext = new Uint8Array(openHeaderPlaintext(sealed.bytes, messageKey));
    plaintext[0] = MessageType.ChatMessage;
    expectCode(() => openEnvelope(rewrap(envelope, messageKey, plaintext, envelope.slots), bobDevice, lookup), 'BAD_SIGNATURE');
  });

  it('seals and opens thousands of envelopes in one synchronous loop without exhausting guarded memory', () => {
    // Each sodium_malloc maps pages of its own, and Node frees it only when the event loop
    // turns; a per-message guarded allocation here once crashed a 2-core benchmark.
    const mappings = () => readFileSync('/proc/self/maps', 'utf8').split('\n').length;
    const message = chatMessage(recipientsOf(bob));
    const before = mappings();
    for (let i = 0; i < 3000; i++) openEnvelope(sealEnvelope(sender, message).bytes, bob.devices[0]!, lookup);
    expect(mappings() - before).toBeLessThan(300);
  });

  it('enforces the recipient limit', () => {
    const many = Array.from({ length: MAX_RECIPIENTS + 1 }, (_, i) => ({
      deviceId: Buffer.from(i.toString(16).padStart(64, '0'), 'hex'),
      encryptionKey: bob.list.devices[0]!.certificate.encryptionKey,
    }));
    expectCode(() => sealEnvelope(sender, chatMessage(many)), 'TOO_LARGE');
  });
});

function expectAnyRejection(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(error).toHaveProperty('code');
    return (error as { code: string }).code;
  }
  throw new Error('a tampered envelope was accepted');
}

function openHeaderPlaintext(bytes: Uint8Array, messageKey: Uint8Array): Buffer {
  const envelope = decodeEnvelope(bytes);
  return aeadDecrypt(envelope.ciphertext, envelope.associatedData, envelope.nonce, messageKey);
}

/** Re-encrypts a header plaintext under K for new slots, as a malicious recipient could. */
function rewrap(
  envelope: ReturnType<typeof decodeEnvelope>,
  messageKey: Uint8Array,
  plaintext: Uint8Array,
  slots: ReadonlyArray<{ hint: Uint8Array; sealedKey: Uint8Array }>,
): Uint8Array {
  const prefix = encodeEnvelopePrefix({ ...envelope, slots }, plaintext.length + 16);
  return Buffer.concat([prefix, aeadEncrypt(plaintext, prefix, envelope.nonce, messageKey)]);
}
