import { describe, expect, it } from 'vitest';
import {
  decodeDeviceCertificate,
  decodeDeviceList,
  encodeDeviceCertificate,
  encodeDeviceList,
} from '../../../src/common/protocol/device-list.js';
import { MAX_DEVICES } from '../../../src/common/protocol/limits.js';
import {
  certifyDevice,
  checkDeviceListUpdate,
  createCertificateRequest,
  findDevice,
  issueDeviceCertificate,
  openDeviceList,
  signDeviceList,
  verifyDeviceCertificate,
} from '../../../src/core/crypto/device-list.js';
import { generateAccount, generateDevice } from '../../../src/core/crypto/identity.js';
import { RELAYS, expectCode, flipBit, makeAccount, plain } from './helpers.js';

const details = { createdAt: 1_700_000_000_000, label: 'Laptop' };

describe('device certificates', () => {
  it('verify under their account and yield the device id', () => {
    const account = generateAccount();
    const device = generateDevice();
    const certificate = certifyDevice(account, device, details);
    expect(verifyDeviceCertificate(certificate, account.accountId).equals(device.deviceId)).toBe(true);
    expect(decodeDeviceCertificate(encodeDeviceCertificate(certificate))).toEqual(plain(certificate));
  });

  it('do not verify under another account', () => {
    const certificate = certifyDevice(generateAccount(), generateDevice(), details);
    expectCode(() => verifyDeviceCertificate(certificate, generateAccount().accountId), 'BAD_SIGNATURE');
  });

  it('reject any tampered field', () => {
    const account = generateAccount();
    const encoded = encodeDeviceCertificate(certifyDevice(account, generateDevice(), details));
    for (let bit = 8; bit < encoded.length * 8; bit += 7) {
      expect(() => verifyDeviceCertificate(decodeDeviceCertificate(flipBit(encoded, bit)), account.accountId)).toThrow();
    }
  });

  it('cannot be issued for keys the device did not bind (no proof of possession)', () => {
    const account = generateAccount();
    const device = generateDevice();
    const request = createCertificateRequest(device, account.accountId, details);
    // Someone else's X25519 key swapped into the request breaks the device's binding signature.
    expectCode(() => issueDeviceCertificate(account, { ...request, encryptionKey: generateDevice().encryption.publicKey }), 'BAD_SIGNATURE');
    expectCode(() => issueDeviceCertificate(generateAccount(), request), 'INVALID_ARGUMENT');
  });

  it('reject a low-order X25519 encryption key even when bound and signed', () => {
    const account = generateAccount();
    const device = generateDevice();
    const lowOrder = { ...device, encryption: { ...device.encryption, publicKey: Buffer.alloc(32) } };
    expectCode(() => certifyDevice(account, lowOrder, details), 'BAD_SIGNATURE');
  });
});

describe('device lists', () => {
  it('round-trip and verify, sorted by signing key, with mailbox ids per relay', () => {
    const { account, devices, list, listBytes } = makeAccount(3);
    const opened = openDeviceList(listBytes, account.accountId);
    expect(plain(opened)).toEqual(plain(list));
    expect(encodeDeviceList(decodeDeviceList(listBytes))).toEqual(listBytes);
    for (const device of devices) expect(findDevice(opened, device.deviceId)?.mailboxIds).toHaveLength(RELAYS.length);
    const keys = opened.devices.map((device) => Buffer.from(device.certificate.signingKey));
    expect(keys).toEqual([...keys].sort(Buffer.compare));
  });

  it('reject a list of another account than expected', () => {
    expectCode(() => openDeviceList(makeAccount(1).listBytes, generateAccount().accountId), 'BAD_SIGNATURE');
  });

  it('reject every single-bit flip', () => {
    const { listBytes } = makeAccount(2);
    for (let bit = 0; bit < listBytes.length * 8; bit++) {
      expect(() => openDeviceList(flipBit(listBytes, bit))).toThrow(expect.objectContaining({ name: 'AegeesError' }));
    }
  });

  it('reject a certificate of another account inside the list', () => {
    const owner = makeAccount(1);
    const stranger = generateAccount();
    const foreign = certifyDevice(stranger, generateDevice(), details);
    expectCode(
      () => signDeviceList(owner.account, { version: 2, issuedAt: 1, relays: [], devices: [{ certificate: foreign, mailboxIds: [] }] }),
      'BAD_SIGNATURE',
    );
  });

  it('reject duplicate devices, duplicate relays and missing mailbox ids', () => {
    const account = generateAccount();
    const device = generateDevice();
    const certificate = certifyDevice(account, device, details);
    const entry = { certificate, mailboxIds: [] };
    const sign = (content: Partial<Parameters<typeof signDeviceList>[1]>) =>
      signDeviceList(account, { version: 1, issuedAt: 1, relays: [], devices: [entry], ...content });
    expectCode(() => sign({ devices: [entry, entry] }), 'INVALID_ARGUMENT');
    const twin = certifyDevice(account, { ...device, signing: generateDevice().signing }, details);
    expectCode(() => sign({ devices: [entry, { certificate: twin, mailboxIds: [] }] }), 'INVALID_ARGUMENT');
    expectCode(() => sign({ relays: [RELAYS[0]!, RELAYS[0]!], devices: [{ certificate, mailboxIds: [new Uint8Array(32), new Uint8Array(32)] }] }), 'INVALID_ARGUMENT');
    expectCode(() => sign({ relays: [RELAYS[0]!] }), 'INVALID_ARGUMENT');
    expectCode(() => sign({ devices: [] }), 'INVALID_ARGUMENT');
    expectCode(() => sign({ version: 0 }), 'INVALID_ARGUMENT');
  });

  it('reject a list whose decoded form is not canonical (duplicate device)', () => {
    const { list } = makeAccount(1);
    // Encoded by hand, since the encoder refuses it: device count 2, one certificate twice.
    const single = encodeDeviceList(list);
    const certificate = encodeDeviceCertificate(list.devices[0]!.certificate);
    const head = 1 + 32 + 8 + 8;
    const relaysAndTail = single.subarray(head + 1 + certificate.length, single.length - 64 - 32 * RELAYS.length);
    const mailboxes = single.subarray(single.length - 64 - 32 * RELAYS.length, single.length - 64);
    const bytes = Buffer.concat([single.subarray(0, head), Buffer.of(2), certificate, certificate, relaysAndTail, mailboxes, mailboxes, list.signature]);
    const error = expectCode(() => decodeDeviceList(bytes), 'MALFORMED');
    expect(error.message).toContain('sorted by signing key without duplicates');
  });

  it('enforce the device limit', () => {
    const account = generateAccount();
    const devices = Array.from({ length: MAX_DEVICES + 1 }, () => ({
      certificate: certifyDevice(account, generateDevice(), details),
      mailboxIds: [],
    }));
    expectCode(() => signDeviceList(account, { version: 1, issuedAt: 1, relays: [], devices }), 'INVALID_ARGUMENT');
  });
});

describe('device list updates', () => {
  const owner = makeAccount(1);
  const content = (version: number, label = 'Laptop') => ({
    version,
    issuedAt: 1,
    relays: [],
    devices: [{ certificate: certifyDevice(owner.account, owner.devices[0]!, { ...details, label }), mailboxIds: [] }],
  });
  const v1 = signDeviceList(owner.account, content(1)).list;
  const v2 = signDeviceList(owner.account, content(2)).list;

  it('accept a first list, a newer list and a copy of the known one', () => {
    expect(checkDeviceListUpdate(undefined, v1)).toBe('newer');
    expect(checkDeviceListUpdate(v1, v2)).toBe('newer');
    expect(checkDeviceListUpdate(v2, signDeviceList(owner.account, content(2)).list)).toBe('same');
  });

  it('reject a rollback to a lower version', () => {
    const error = expectCode(() => checkDeviceListUpdate(v2, v1), 'ROLLBACK');
    expect(error.message).toContain('older than the known version 2');
  });

  it('reject two different lists under one version (equivocation)', () => {
    expectCode(() => checkDeviceListUpdate(v2, signDeviceList(owner.account, content(2, 'Phone')).list), 'ROLLBACK');
  });

  it('refuse to compare lists of different accounts', () => {
    expectCode(() => checkDeviceListUpdate(v1, makeAccount(1, 5).list), 'INVALID_ARGUMENT');
  });
});
