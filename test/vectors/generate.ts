// Writes the frozen protocol test vectors (crypto-v1.json, attachment-two-chunks.bin) and
// prints them as Markdown for docs/PROTOCOL.md §6. Run only for a deliberate format
// change: `npx tsx test/vectors/generate.ts > /tmp/vectors.md`. The attachment vectors
// change on every run (secretstream draws a random stream header), the rest is fixed.
import { writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { toHex } from '../../src/common/protocol/codec.js';
import { bindingTranscript, certificateTranscript, deviceListTranscript, encodeDeviceCertificate } from '../../src/common/protocol/device-list.js';
import { decodeEnvelope, encodeHeaderBlock, envelopeSignatureTranscript, keyCommitmentInput } from '../../src/common/protocol/envelope.js';
import { AttachmentEncryptor } from '../../src/core/crypto/attachment.js';
import { buildEnvelope, keyCommitment, recipientHint } from '../../src/core/crypto/envelope.js';
import { safetyNumber } from '../../src/core/crypto/identity.js';
import { sign } from '../../src/core/crypto/sodium.js';
import {
  ENVELOPE_SECRETS,
  aliceAccount,
  aliceDevice,
  bobAccount,
  bobDeviceList,
  bobDevices,
  deterministicSealer,
  ephemeralSecret,
  vectorMessage,
} from './fixed-keys.js';

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));

async function encryptAttachment(plaintext: Uint8Array) {
  const encryptor = new AttachmentEncryptor();
  const parts: Buffer[] = [];
  for await (const part of Readable.from([Buffer.from(plaintext)]).pipe(encryptor)) parts.push(part as Buffer);
  return { key: toHex(encryptor.key), plaintextSize: plaintext.length, ciphertext: Buffer.concat(parts), hash: toHex(encryptor.ciphertextHash) };
}

const alice = aliceAccount();
const bob = bobAccount();
const aliceDev = aliceDevice();
const bobDevs = bobDevices();
const { list, bytes: listBytes } = bobDeviceList();

const small = await encryptAttachment(Uint8Array.from({ length: 100 }, (_, i) => i));
const twoChunks = await encryptAttachment(Uint8Array.from({ length: 65_536 + 100 }, (_, i) => i % 251));
writeFileSync(here('attachment-two-chunks.bin'), twoChunks.ciphertext);

const recipients = list.devices.map((device) => ({ deviceId: device.deviceId, encryptionKey: device.certificate.encryptionKey }));
const message = vectorMessage(recipients, Buffer.from(small.key, 'hex'), Buffer.from(small.hash, 'hex'));
const envelopeBytes = buildEnvelope({ accountId: alice.accountId, device: aliceDev }, message, ENVELOPE_SECRETS, deterministicSealer());
const envelope = decodeEnvelope(envelopeBytes);
const { msgId, nonce, messageKey } = ENVELOPE_SECRETS;
const commitment = keyCommitment(messageKey, msgId, nonce);
const sortedIds = [...recipients].map((r) => r.deviceId).sort(Buffer.compare);
const headerBlock = encodeHeaderBlock({
  type: message.type,
  conversationId: message.conversationId,
  senderAccount: alice.accountId,
  senderDevice: aliceDev.deviceId,
  sentAt: message.sentAt,
  recipients: sortedIds,
  body: message.body,
  attachments: message.attachments,
});
const transcript = envelopeSignatureTranscript(message.type, { msgId, nonce, commitment }, headerBlock);
const firstCertificate = list.devices.find((device) => device.deviceId.equals(bobDevs[0]!.deviceId))!.certificate;

const vectors = {
  identities: {
    aliceAccountSecret: toHex(Uint8Array.of(1, ...alice.signing.secretKey.subarray(0, 32))),
    aliceAccountId: toHex(alice.accountId),
    bobAccountId: toHex(bob.accountId),
    safetyNumber: safetyNumber(alice.accountId, bob.accountId),
    aliceDeviceSecrets: '01' + '11'.repeat(32) + '12'.repeat(32) + '13'.repeat(32),
    aliceDeviceId: toHex(aliceDev.deviceId),
    aliceDeviceSigningKey: toHex(aliceDev.signing.publicKey),
    aliceDeviceEncryptionKey: toHex(aliceDev.encryption.publicKey),
    bobDevices: bobDevs.map((device) => ({
      deviceId: toHex(device.deviceId),
      signingKey: toHex(device.signing.publicKey),
      encryptionKey: toHex(device.encryption.publicKey),
    })),
  },
  certificate: {
    bindingTranscript: toHex(bindingTranscript(firstCertificate.accountId, firstCertificate.signingKey, firstCertificate.encryptionKey)),
    transcript: toHex(certificateTranscript(firstCertificate)),
    encoded: toHex(encodeDeviceCertificate(firstCertificate)),
  },
  deviceList: {
    transcript: toHex(deviceListTranscript(list)),
    encoded: toHex(listBytes),
  },
  envelope: {
    keyCommitmentInput: toHex(keyCommitmentInput(msgId, nonce)),
    keyCommitment: toHex(commitment),
    hints: sortedIds.map((id) => toHex(recipientHint(msgId, id))),
    ephemeralSecrets: sortedIds.map((_, index) => toHex(ephemeralSecret(index))),
    headerBlock: toHex(headerBlock),
    signatureTranscript: toHex(transcript),
    signature: toHex(sign(transcript, aliceDev.signing.secretKey)),
    associatedData: toHex(envelope.associatedData),
    ciphertext: toHex(envelope.ciphertext),
    encoded: toHex(envelopeBytes),
  },
  attachments: {
    small: { key: small.key, plaintextSize: small.plaintextSize, hash: small.hash, ciphertext: toHex(small.ciphertext) },
    twoChunks: { key: twoChunks.key, plaintextSize: twoChunks.plaintextSize, hash: twoChunks.hash, file: 'attachment-two-chunks.bin' },
  },
};
writeFileSync(here('crypto-v1.json'), JSON.stringify(vectors, null, 2) + '\n');

const block = (hex: string) => '```\n' + (hex.match(/.{1,64}/g) ?? ['']).join('\n') + '\n```\n';
const lines: string[] = [];
const add = (label: string, hex: string) => lines.push(`${label}:\n\n${block(hex)}`);
const heading = (title: string) => lines.push(`### ${title}\n`);
heading('6.2 Keys and identities');
add('Alice account secret (format 1 ‖ seed)', vectors.identities.aliceAccountSecret);
add('Alice account id', vectors.identities.aliceAccountId);
add('Bob account id', vectors.identities.bobAccountId);
lines.push(`Safety number of Alice and Bob: \`${vectors.identities.safetyNumber}\`\n`);
add('Alice device secrets', vectors.identities.aliceDeviceSecrets);
add('Alice device signing key', vectors.identities.aliceDeviceSigningKey);
add('Alice device encryption key', vectors.identities.aliceDeviceEncryptionKey);
add('Alice device id', vectors.identities.aliceDeviceId);
vectors.identities.bobDevices.forEach((device, index) => {
  add(`Bob device ${index + 1} signing key`, device.signingKey);
  add(`Bob device ${index + 1} encryption key`, device.encryptionKey);
  add(`Bob device ${index + 1} device id`, device.deviceId);
});
heading('6.3 Device certificate and device list');
add('Binding transcript of Bob device 1', vectors.certificate.bindingTranscript);
add('Certificate transcript of Bob device 1', vectors.certificate.transcript);
add('Certificate of Bob device 1', vectors.certificate.encoded);
add('Device list transcript', vectors.deviceList.transcript);
add('Device list', vectors.deviceList.encoded);
heading('6.4 Envelope');
add('Key commitment input', vectors.envelope.keyCommitmentInput);
add('Key commitment', vectors.envelope.keyCommitment);
vectors.envelope.hints.forEach((hint, index) => add(`Hint of recipient ${index + 1} (sorted order)`, hint));
add('Header block', vectors.envelope.headerBlock);
add('Signature transcript', vectors.envelope.signatureTranscript);
add('Signature', vectors.envelope.signature);
add('Associated data (envelope up to the ciphertext)', vectors.envelope.associatedData);
add('Ciphertext', vectors.envelope.ciphertext);
add('Envelope', vectors.envelope.encoded);
heading('6.5 Attachment');
add('Attachment key', vectors.attachments.small.key);
add('Attachment ciphertext (plaintext: the 100 bytes 00 01 … 63)', vectors.attachments.small.ciphertext);
add('Attachment ciphertext hash', vectors.attachments.small.hash);
process.stdout.write(lines.join('\n'));
