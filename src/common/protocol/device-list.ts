// Byte codecs for device certificates and device lists (docs/PROTOCOL.md §2–§3). Pure
// structure: src/core/crypto/device-list.ts makes and checks the signatures.
import { AegeesError } from '../errors.js';
import { ByteReader, ByteWriter, bytesEqual, compareBytes, concatBytes, domainPrefix } from './codec.js';
import { DOMAIN, MAILBOX_ID_BYTES, PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from './constants.js';
import { MAX_DEVICES, MAX_DEVICE_LABEL_BYTES, MAX_INBOX_RELAYS, MAX_URL_BYTES } from './limits.js';

export const CERTIFICATE_FORMAT = 1;
export const DEVICE_LIST_FORMAT = 1;

/** An account key's statement that a device (two public keys) belongs to the account. */
export interface DeviceCertificate {
  readonly accountId: Uint8Array;
  /** The device's Ed25519 key; the device id is derived from it. */
  readonly signingKey: Uint8Array;
  /** The device's X25519 key, which envelope key slots are sealed to. */
  readonly encryptionKey: Uint8Array;
  /** Milliseconds since the Unix epoch. */
  readonly createdAt: number;
  /** A short name the owner gave the device ("Laptop"); may be empty. */
  readonly label: string;
  /** The device key's signature of the binding transcript (proof of possession). */
  readonly bindingSignature: Uint8Array;
  /** The account key's signature of the certificate transcript. */
  readonly signature: Uint8Array;
}

export interface InboxRelay {
  /** Printable ASCII, e.g. "https://relay.example". */
  readonly url: string;
  /** The relay's Ed25519 identity key. */
  readonly relayKey: Uint8Array;
}

export interface DeviceListEntry {
  readonly certificate: DeviceCertificate;
  /** One opaque mailbox id per inbox relay, in the order of `DeviceList.relays`. */
  readonly mailboxIds: readonly Uint8Array[];
}

export interface DeviceList {
  readonly accountId: Uint8Array;
  /** Strictly increases with every list the account signs. */
  readonly version: number;
  readonly issuedAt: number;
  /** Sorted by certificate signing key, no duplicates, at least one. */
  readonly devices: readonly DeviceListEntry[];
  readonly relays: readonly InboxRelay[];
  readonly signature: Uint8Array;
}

export type UnsignedDeviceCertificate = Omit<DeviceCertificate, 'signature'>;
export type UnsignedDeviceList = Omit<DeviceList, 'signature'>;

/** What the device signs to prove it holds the signing key and owns the encryption key. */
export function bindingTranscript(accountId: Uint8Array, signingKey: Uint8Array, encryptionKey: Uint8Array): Uint8Array {
  return concatBytes([domainPrefix(DOMAIN.deviceBinding), accountId, signingKey, encryptionKey]);
}

/** What the account key signs: the label, then the certificate without its signature. */
export function certificateTranscript(certificate: UnsignedDeviceCertificate): Uint8Array {
  const writer = new ByteWriter(320);
  writeCertificateBody(writer, certificate);
  return concatBytes([domainPrefix(DOMAIN.deviceCertificate), writer.finish()]);
}

export function encodeDeviceCertificate(certificate: DeviceCertificate): Uint8Array {
  const writer = new ByteWriter(320);
  writeCertificate(writer, certificate);
  return writer.finish();
}

export function decodeDeviceCertificate(bytes: Uint8Array): DeviceCertificate {
  const reader = new ByteReader(bytes, 'device certificate');
  const certificate = readCertificate(reader);
  reader.end();
  return certificate;
}

export function deviceListTranscript(list: UnsignedDeviceList): Uint8Array {
  const writer = new ByteWriter(4096);
  writeDeviceListBody(writer, list);
  return concatBytes([domainPrefix(DOMAIN.deviceList), writer.finish()]);
}

export function encodeDeviceList(list: DeviceList): Uint8Array {
  const writer = new ByteWriter(4096);
  writeDeviceListBody(writer, list);
  writer.fixed(list.signature, SIGNATURE_BYTES, 'device list signature');
  return writer.finish();
}

export function decodeDeviceList(bytes: Uint8Array): DeviceList {
  const reader = new ByteReader(bytes, 'device list');
  const format = reader.u8('format');
  if (format !== DEVICE_LIST_FORMAT) {
    throw new AegeesError('UNSUPPORTED_VERSION', `device list format ${format} is not supported; this client reads format ${DEVICE_LIST_FORMAT}`);
  }
  const accountId = reader.fixed(PUBLIC_KEY_BYTES, 'account id');
  const version = reader.u64('version');
  if (version < 1) reader.fail('version must be at least 1');
  const issuedAt = reader.u64('issued at');
  const deviceCount = reader.count(1, 1, MAX_DEVICES, 'device count');
  const certificates: DeviceCertificate[] = [];
  for (let i = 0; i < deviceCount; i++) certificates.push(readCertificate(reader));
  const relayCount = reader.count(1, 0, MAX_INBOX_RELAYS, 'relay count');
  const relays: InboxRelay[] = [];
  for (let i = 0; i < relayCount; i++) {
    relays.push({ url: reader.ascii(2, 1, MAX_URL_BYTES, 'relay url'), relayKey: reader.fixed(PUBLIC_KEY_BYTES, 'relay key') });
  }
  const devices = certificates.map((certificate) => {
    const mailboxIds: Uint8Array[] = [];
    for (let i = 0; i < relayCount; i++) mailboxIds.push(reader.fixed(MAILBOX_ID_BYTES, 'mailbox id'));
    return { certificate, mailboxIds };
  });
  const signature = reader.fixed(SIGNATURE_BYTES, 'signature');
  reader.end();
  const list = { accountId, version, issuedAt, devices, relays, signature };
  const problem = deviceListProblem(list);
  if (problem) reader.fail(problem);
  return list;
}

function writeCertificateBody(writer: ByteWriter, certificate: UnsignedDeviceCertificate): void {
  writer
    .u8(CERTIFICATE_FORMAT)
    .fixed(certificate.accountId, PUBLIC_KEY_BYTES, 'account id')
    .fixed(certificate.signingKey, PUBLIC_KEY_BYTES, 'device signing key')
    .fixed(certificate.encryptionKey, PUBLIC_KEY_BYTES, 'device encryption key')
    .u64(certificate.createdAt)
    .string(certificate.label, 1, MAX_DEVICE_LABEL_BYTES, 'device label')
    .fixed(certificate.bindingSignature, SIGNATURE_BYTES, 'binding signature');
}

function writeCertificate(writer: ByteWriter, certificate: DeviceCertificate): void {
  writeCertificateBody(writer, certificate);
  writer.fixed(certificate.signature, SIGNATURE_BYTES, 'certificate signature');
}

function readCertificate(reader: ByteReader): DeviceCertificate {
  const format = reader.u8('certificate format');
  if (format !== CERTIFICATE_FORMAT) {
    throw new AegeesError('UNSUPPORTED_VERSION', `device certificate format ${format} is not supported; this client reads format ${CERTIFICATE_FORMAT}`);
  }
  return {
    accountId: reader.fixed(PUBLIC_KEY_BYTES, 'account id'),
    signingKey: reader.fixed(PUBLIC_KEY_BYTES, 'device signing key'),
    encryptionKey: reader.fixed(PUBLIC_KEY_BYTES, 'device encryption key'),
    createdAt: reader.u64('created at'),
    label: reader.string(1, MAX_DEVICE_LABEL_BYTES, 'device label'),
    bindingSignature: reader.fixed(SIGNATURE_BYTES, 'binding signature'),
    signature: reader.fixed(SIGNATURE_BYTES, 'certificate signature'),
  };
}

function writeDeviceListBody(writer: ByteWriter, list: UnsignedDeviceList): void {
  const problem = deviceListProblem(list);
  if (problem) throw new AegeesError('INVALID_ARGUMENT', `device list: ${problem}`);
  writer.u8(DEVICE_LIST_FORMAT).fixed(list.accountId, PUBLIC_KEY_BYTES, 'account id').u64(list.version).u64(list.issuedAt);
  writer.u8(list.devices.length);
  for (const device of list.devices) writeCertificate(writer, device.certificate);
  writer.u8(list.relays.length);
  for (const relay of list.relays) {
    writer.ascii(relay.url, 2, 1, MAX_URL_BYTES, 'relay url').fixed(relay.relayKey, PUBLIC_KEY_BYTES, 'relay key');
  }
  for (const device of list.devices) {
    for (const mailboxId of device.mailboxIds) writer.fixed(mailboxId, MAILBOX_ID_BYTES, 'mailbox id');
  }
}

/** The canonical-form rules an encoder must respect and a decoder must check. */
function deviceListProblem(list: UnsignedDeviceList): string | undefined {
  if (!Number.isSafeInteger(list.version) || list.version < 1) return 'version must be at least 1';
  if (list.devices.length < 1) return 'at least one device is required';
  if (list.devices.length > MAX_DEVICES) return `more than ${MAX_DEVICES} devices`;
  if (list.relays.length > MAX_INBOX_RELAYS) return `more than ${MAX_INBOX_RELAYS} relays`;
  for (const [index, device] of list.devices.entries()) {
    if (!bytesEqual(device.certificate.accountId, list.accountId)) return `device ${index} is certified for another account`;
    if (device.mailboxIds.length !== list.relays.length) return `device ${index} needs one mailbox id per relay`;
    const previous = list.devices[index - 1];
    if (previous && compareBytes(previous.certificate.signingKey, device.certificate.signingKey) >= 0) {
      return 'devices must be sorted by signing key without duplicates';
    }
    if (list.devices.slice(0, index).some((other) => bytesEqual(other.certificate.encryptionKey, device.certificate.encryptionKey))) {
      return `device ${index} reuses another device's encryption key`;
    }
  }
  for (const [index, relay] of list.relays.entries()) {
    for (const other of list.relays.slice(0, index)) {
      if (other.url === relay.url || bytesEqual(other.relayKey, relay.relayKey)) return `relay ${index} is listed twice`;
    }
  }
  return undefined;
}
