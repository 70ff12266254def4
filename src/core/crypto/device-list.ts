// Device certificates and signed, versioned device lists (docs/PROTOCOL.md §2.2, §3).
import { AegeesError } from '../../common/errors.js';
import { bytesEqual, compareBytes } from '../../common/protocol/codec.js';
import {
  bindingTranscript,
  certificateTranscript,
  decodeDeviceList,
  deviceListTranscript,
  encodeDeviceList,
  type DeviceCertificate,
  type DeviceList,
  type DeviceListEntry,
  type InboxRelay,
  type UnsignedDeviceCertificate,
} from '../../common/protocol/device-list.js';
import { deviceIdOf, type AccountIdentity, type DeviceKeys } from './identity.js';
import { release, sign, verify, x25519 } from './sodium.js';

export interface VerifiedDevice extends DeviceListEntry {
  readonly deviceId: Buffer;
}

/** A device list whose signatures have all been checked. */
export interface VerifiedDeviceList extends DeviceList {
  readonly devices: readonly VerifiedDevice[];
}

export interface DeviceDetails {
  readonly createdAt: number;
  readonly label: string;
}

/**
 * Step one of certifying a device, run on the device itself: it signs the binding of its
 * keys to the account, proving it holds the signing key and owns the encryption key.
 */
export function createCertificateRequest(
  device: DeviceKeys,
  accountId: Uint8Array,
  details: DeviceDetails,
): UnsignedDeviceCertificate {
  const signingKey = device.signing.publicKey;
  const encryptionKey = device.encryption.publicKey;
  return {
    accountId: Buffer.from(accountId),
    signingKey,
    encryptionKey,
    createdAt: details.createdAt,
    label: details.label,
    bindingSignature: sign(bindingTranscript(accountId, signingKey, encryptionKey), device.signing.secretKey),
  };
}

/** Step two, run where the account key is: checks the request, then signs it. */
export function issueDeviceCertificate(account: AccountIdentity, request: UnsignedDeviceCertificate): DeviceCertificate {
  if (!bytesEqual(request.accountId, account.accountId)) {
    throw new AegeesError('INVALID_ARGUMENT', 'the certificate request names another account');
  }
  checkDeviceKeys(request);
  return { ...request, signature: sign(certificateTranscript(request), account.signing.secretKey) };
}

/** Both steps, for a device whose account key is on the same machine. */
export function certifyDevice(account: AccountIdentity, device: DeviceKeys, details: DeviceDetails): DeviceCertificate {
  return issueDeviceCertificate(account, createCertificateRequest(device, account.accountId, details));
}

/** Checks a certificate against the account it claims; returns the device id. */
export function verifyDeviceCertificate(certificate: DeviceCertificate, accountId: Uint8Array): Buffer {
  if (!bytesEqual(certificate.accountId, accountId)) {
    throw new AegeesError('BAD_SIGNATURE', 'device certificate is for another account');
  }
  if (!verify(certificate.signature, certificateTranscript(certificate), accountId)) {
    throw new AegeesError('BAD_SIGNATURE', 'device certificate signature does not verify');
  }
  checkDeviceKeys(certificate);
  return deviceIdOf(certificate.signingKey);
}

function checkDeviceKeys(certificate: UnsignedDeviceCertificate): void {
  const transcript = bindingTranscript(certificate.accountId, certificate.signingKey, certificate.encryptionKey);
  if (!verify(certificate.bindingSignature, transcript, certificate.signingKey)) {
    throw new AegeesError('BAD_SIGNATURE', 'device binding signature does not verify');
  }
  if (isLowOrderX25519(certificate.encryptionKey)) {
    throw new AegeesError('BAD_SIGNATURE', 'device encryption key is a low-order point');
  }
}

// Any clamped scalar is a multiple of the cofactor 8, so the product is the identity
// (all zero, which libsodium refuses) exactly when the point has low order.
const LOW_ORDER_PROBE = new Uint8Array(32).fill(0x5a);

function isLowOrderX25519(publicKey: Uint8Array): boolean {
  try {
    release(x25519(LOW_ORDER_PROBE, publicKey));
    return false;
  } catch {
    return true;
  }
}

export interface DeviceListContent {
  readonly version: number;
  readonly issuedAt: number;
  /** In any order; the list is sorted by signing key before signing. */
  readonly devices: readonly DeviceListEntry[];
  readonly relays: readonly InboxRelay[];
}

/** Signs a device list with the account key; every certificate must be the account's. */
export function signDeviceList(account: AccountIdentity, content: DeviceListContent): { list: VerifiedDeviceList; bytes: Uint8Array } {
  const devices = [...content.devices]
    .sort((a, b) => compareBytes(a.certificate.signingKey, b.certificate.signingKey))
    .map((entry) => ({ ...entry, deviceId: verifyDeviceCertificate(entry.certificate, account.accountId) }));
  const unsigned = { accountId: account.accountId, version: content.version, issuedAt: content.issuedAt, devices, relays: content.relays };
  const list = { ...unsigned, signature: sign(deviceListTranscript(unsigned), account.signing.secretKey) };
  return { list, bytes: encodeDeviceList(list) };
}

/** Decodes and verifies a device list; `expectedAccountId` pins whose list it must be. */
export function openDeviceList(bytes: Uint8Array, expectedAccountId?: Uint8Array): VerifiedDeviceList {
  return verifyDeviceList(decodeDeviceList(bytes), expectedAccountId);
}

export function verifyDeviceList(list: DeviceList, expectedAccountId?: Uint8Array): VerifiedDeviceList {
  if (expectedAccountId && !bytesEqual(list.accountId, expectedAccountId)) {
    throw new AegeesError('BAD_SIGNATURE', 'device list belongs to another account');
  }
  if (!verify(list.signature, deviceListTranscript(list), list.accountId)) {
    throw new AegeesError('BAD_SIGNATURE', 'device list signature does not verify');
  }
  const devices = list.devices.map((entry) => ({ ...entry, deviceId: verifyDeviceCertificate(entry.certificate, list.accountId) }));
  return { ...list, devices };
}

/**
 * Whether `incoming` may replace the list already accepted for the account: 'newer' to
 * store it, 'same' for a copy of the known list. Throws ROLLBACK for an older version or
 * for a different list under the same version (the account key signed two histories).
 */
export function checkDeviceListUpdate(known: DeviceList | undefined, incoming: DeviceList): 'newer' | 'same' {
  if (!known) return 'newer';
  if (!bytesEqual(known.accountId, incoming.accountId)) {
    throw new AegeesError('INVALID_ARGUMENT', 'the two device lists belong to different accounts');
  }
  if (incoming.version > known.version) return 'newer';
  if (incoming.version < known.version) {
    throw new AegeesError('ROLLBACK', `device list version ${incoming.version} is older than the known version ${known.version}`);
  }
  if (!bytesEqual(encodeDeviceList(incoming), encodeDeviceList(known))) {
    throw new AegeesError('ROLLBACK', `two different device lists carry version ${incoming.version}`);
  }
  return 'same';
}

export function findDevice(list: VerifiedDeviceList, deviceId: Uint8Array): VerifiedDevice | undefined {
  return list.devices.find((device) => bytesEqual(device.deviceId, deviceId));
}
