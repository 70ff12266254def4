// Frozen known-answer vectors of our own formats (test/vectors, docs/PROTOCOL.md §6):
// decoded, re-encoded and recomputed from the fixed keys, byte for byte.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../../src/common/protocol/codec.js';
import {
  bindingTranscript,
  certificateTranscript,
  decodeDeviceCertificate,
  deviceListTranscript,
  encodeDeviceCertificate,
  encodeDeviceList,
} from '../../../src/common/protocol/device-list.js';
import { decodeEnvelope, encodeEnvelope, encodeHeaderBlock, envelopeSignatureTranscript, keyCommitmentInput } from '../../../src/common/protocol/envelope.js';
import { AttachmentDecryptor } from '../../../src/core/crypto/attachment.js';
import { certifyDevice, openDeviceList, verifyDeviceCertificate } from '../../../src/core/crypto/device-list.js';
import { buildEnvelope, keyCommitment, openEnvelope, recipientHint } from '../../../src/core/crypto/envelope.js';
import { exportAccountSecret, exportDeviceSecrets, safetyNumber } from '../../../src/core/crypto/identity.js';
import { aeadDecrypt, sign } from '../../../src/core/crypto/sodium.js';
import {
  CREATED_AT,
  ENVELOPE_SECRETS,
  aliceAccount,
  aliceDevice,
  bobAccount,
  bobDeviceList,
  bobDevices,
  deterministicSealer,
  vectorMessage,
} from '../../vectors/fixed-keys.js';
import vectors from '../../vectors/crypto-v1.json';

const vectorsDir = new URL('../../vectors/', import.meta.url);

const alice = aliceAccount();
const bob = bobAccount();
const aliceDev = aliceDevice();
const bobDevs = bobDevices();
const hex = toHex;

describe('frozen vectors: identities', () => {
  it('derive the account ids, device ids, keys and safety number', () => {
    const ids = vectors.identities;
    expect(hex(exportAccountSecret(alice))).toBe(ids.aliceAccountSecret);
    expect(hex(alice.accountId)).toBe(ids.aliceAccountId);
    expect(hex(bob.accountId)).toBe(ids.bobAccountId);
    expect(safetyNumber(bob.accountId, alice.accountId)).toBe(ids.safetyNumber);
    expect(hex(exportDeviceSecrets(aliceDev))).toBe(ids.aliceDeviceSecrets);
    expect(hex(aliceDev.deviceId)).toBe(ids.aliceDeviceId);
    expect(hex(aliceDev.signing.publicKey)).toBe(ids.aliceDeviceSigningKey);
    expect(hex(aliceDev.encryption.publicKey)).toBe(ids.aliceDeviceEncryptionKey);
    expect(bobDevs.map((device) => ({
      deviceId: hex(device.deviceId),
      signingKey: hex(device.signing.publicKey),
      encryptionKey: hex(device.encryption.publicKey),
    }))).toEqual(ids.bobDevices);
  });
});

describe('frozen vectors: certificate and device list', () => {
  it('decode, re-encode and verify the certificate, and recompute it from the keys', () => {
    const encoded = fromHex(vectors.certificate.encoded);
    const certificate = decodeDeviceCertificate(encoded);
    expect(hex(encodeDeviceCertificate(certificate))).toBe(vectors.certificate.encoded);
    expect(hex(bindingTranscript(certificate.accountId, certificate.signingKey, certificate.encryptionKey))).toBe(vectors.certificate.bindingTranscript);
    expect(hex(certificateTranscript(certificate))).toBe(vectors.certificate.transcript);
    expect(hex(verifyDeviceCertificate(certificate, bob.accountId))).toBe(vectors.identities.bobDevices[0]!.deviceId);
    const again = certifyDevice(bob, bobDevs[0]!, { createdAt: CREATED_AT, label: 'Laptop' });
    expect(hex(encodeDeviceCertificate(again))).toBe(vectors.certificate.encoded);
  });

  it('decode, re-encode and verify the device list, and recompute it from the keys', () => {
    const list = openDeviceList(fromHex(vectors.deviceList.encoded), bob.accountId);
    expect(list.version).toBe(7);
    // Sorted by signing key, which puts Bob's second device first.
    expect(list.devices.map((device) => hex(device.mailboxIds[0]!))).toEqual(['52'.repeat(32), '51'.repeat(32)]);
    expect(hex(encodeDeviceList(list))).toBe(vectors.deviceList.encoded);
    expect(hex(deviceListTranscript(list))).toBe(vectors.deviceList.transcript);
    expect(hex(bobDeviceList().bytes)).toBe(vectors.deviceList.encoded);
  });
});

describe('frozen vectors: envelope v1', () => {
  const v = vectors.envelope;
  const bytes = fromHex(v.encoded);
  const list = openDeviceList(fromHex(vectors.deviceList.encoded));
  const recipients = list.devices.map((device) => ({ deviceId: device.deviceId, encryptionKey: device.certificate.encryptionKey }));
  const message = vectorMessage(recipients, fromHex(vectors.attachments.small.key), fromHex(vectors.attachments.small.hash));
  const { msgId, nonce, messageKey } = ENVELOPE_SECRETS;

  it('decodes and re-encodes byte for byte', () => {
    const envelope = decodeEnvelope(bytes);
    expect(hex(encodeEnvelope(envelope))).toBe(v.encoded);
    expect(hex(envelope.associatedData)).toBe(v.associatedData);
    expect(hex(envelope.ciphertext)).toBe(v.ciphertext);
    expect(envelope.slots.map((slot) => hex(slot.hint))).toEqual(v.hints);
  });

  it('is rebuilt exactly from the fixed keys, message key, nonce, msgId and ephemeral keys', () => {
    const rebuilt = buildEnvelope({ accountId: alice.accountId, device: aliceDev }, message, ENVELOPE_SECRETS, deterministicSealer());
    expect(hex(rebuilt)).toBe(v.encoded);
    expect(hex(keyCommitmentInput(msgId, nonce))).toBe(v.keyCommitmentInput);
    expect(hex(keyCommitment(messageKey, msgId, nonce))).toBe(v.keyCommitment);
    const sortedIds = recipients.map((r) => r.deviceId).sort(Buffer.compare);
    expect(sortedIds.map((id) => hex(recipientHint(msgId, id)))).toEqual(v.hints);
    const header = encodeHeaderBlock({
      ...message,
      senderAccount: alice.accountId,
      senderDevice: aliceDev.deviceId,
      recipients: sortedIds,
    });
    expect(hex(header)).toBe(v.headerBlock);
    const transcript = envelopeSignatureTranscript(message.type, { msgId, nonce, commitment: fromHex(v.keyCommitment) }, header);
    expect(hex(transcript)).toBe(v.signatureTranscript);
    expect(hex(sign(transcript, aliceDev.signing.secretKey))).toBe(v.signature);
    const envelope = decodeEnvelope(bytes);
    expect(hex(aeadDecrypt(envelope.ciphertext, envelope.associatedData, nonce, messageKey))).toBe(v.headerBlock + v.signature);
  });

  it('opens for both of Bob\'s devices', () => {
    const aliceKey = fromHex(vectors.identities.aliceDeviceSigningKey);
    for (const device of bobDevs) {
      const opened = openEnvelope(bytes, device, (header) => (hex(header.senderDevice) === vectors.identities.aliceDeviceId ? aliceKey : undefined));
      expect(new TextDecoder().decode(opened.body)).toBe('hello, Bob');
      expect(opened.attachments[0]!.name).toBe('notes.txt');
      expect(hex(opened.attachments[0]!.key)).toBe(vectors.attachments.small.key);
      expect(hex(opened.attachments[0]!.ciphertextHash)).toBe(vectors.attachments.small.hash);
    }
  });
});

describe('frozen vectors: attachments', () => {
  async function decrypt(ciphertext: Uint8Array, key: string, hash: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    const decryptor = new AttachmentDecryptor(fromHex(key), { expectedHash: fromHex(hash) });
    for await (const part of Readable.from([Buffer.from(ciphertext)]).pipe(decryptor)) parts.push(part as Buffer);
    return Buffer.concat(parts);
  }

  it('decrypt a one-chunk attachment', async () => {
    const { key, hash, ciphertext, plaintextSize } = vectors.attachments.small;
    const plaintext = await decrypt(fromHex(ciphertext), key, hash);
    expect([...plaintext]).toEqual(Array.from({ length: plaintextSize }, (_, i) => i));
  });

  it('decrypt a two-chunk attachment', async () => {
    const { key, hash, file, plaintextSize } = vectors.attachments.twoChunks;
    const plaintext = await decrypt(readFileSync(new URL(file, vectorsDir)), key, hash);
    expect(plaintext.equals(Buffer.from(Array.from({ length: plaintextSize }, (_, i) => i % 251)))).toBe(true);
  });
});

describe('docs/PROTOCOL.md §6', () => {
  it('lists the same vectors as test/vectors/crypto-v1.json', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../docs/PROTOCOL.md', import.meta.url)), 'utf8').replace(/\s+/g, '');
    const { identities, certificate, deviceList, envelope, attachments } = vectors;
    const expected = [
      identities.aliceAccountSecret, identities.aliceAccountId, identities.bobAccountId, identities.safetyNumber,
      identities.aliceDeviceSecrets, identities.aliceDeviceId, identities.aliceDeviceSigningKey, identities.aliceDeviceEncryptionKey,
      ...identities.bobDevices.flatMap((device) => [device.deviceId, device.signingKey, device.encryptionKey]),
      certificate.bindingTranscript, certificate.transcript, certificate.encoded,
      deviceList.transcript, deviceList.encoded,
      envelope.keyCommitmentInput, envelope.keyCommitment, ...envelope.hints, envelope.headerBlock,
      envelope.signatureTranscript, envelope.signature, envelope.associatedData, envelope.ciphertext, envelope.encoded,
      attachments.small.key, attachments.small.ciphertext, attachments.small.hash,
    ];
    for (const value of expected) expect(doc, `missing ${value.slice(0, 16)}…`).toContain(value);
  });
});
