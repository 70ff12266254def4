// Shared fixtures for the crypto tests: accounts with certified devices and signed lists.
import { expect } from 'vitest';
import { AegeesError, type ErrorCode } from '../../../src/common/errors.js';
import { MessageType } from '../../../src/common/protocol/constants.js';
import type { InboxRelay } from '../../../src/common/protocol/device-list.js';
import { certifyDevice, findDevice, signDeviceList, type VerifiedDeviceList } from '../../../src/core/crypto/device-list.js';
import type { OutgoingMessage, RecipientDevice, SenderKeyLookup } from '../../../src/core/crypto/envelope.js';
import { generateAccount, generateDevice, type AccountIdentity, type DeviceKeys } from '../../../src/core/crypto/identity.js';

export interface TestAccount {
  readonly account: AccountIdentity;
  readonly devices: DeviceKeys[];
  readonly list: VerifiedDeviceList;
  readonly listBytes: Uint8Array;
}

export const RELAYS: InboxRelay[] = [
  { url: 'https://relay-a.example', relayKey: new Uint8Array(32).fill(0xa1) },
  { url: 'wss://relay-b.example:8443/inbox', relayKey: new Uint8Array(32).fill(0xb2) },
];

export function makeAccount(deviceCount: number, version = 1): TestAccount {
  const account = generateAccount();
  const devices = Array.from({ length: deviceCount }, () => generateDevice());
  const { list, bytes } = signDeviceList(account, {
    version,
    issuedAt: 1_700_000_000_000,
    relays: RELAYS,
    devices: devices.map((device, index) => ({
      certificate: certifyDevice(account, device, { createdAt: 1_700_000_000_000 + index, label: `device ${index}` }),
      mailboxIds: RELAYS.map((_, relay) => new Uint8Array(32).fill(16 * index + relay)),
    })),
  });
  return { account, devices, list, listBytes: bytes };
}

export function recipientsOf(...accounts: TestAccount[]): RecipientDevice[] {
  return accounts.flatMap((entry) =>
    entry.list.devices.map((device) => ({ deviceId: device.deviceId, encryptionKey: device.certificate.encryptionKey })),
  );
}

/** A sender-key lookup backed by verified device lists, as the messenger will have. */
export function lookupIn(...accounts: TestAccount[]): SenderKeyLookup {
  return (header) => {
    const entry = accounts.find((candidate) => Buffer.from(candidate.account.accountId).equals(header.senderAccount));
    return entry ? findDevice(entry.list, header.senderDevice)?.certificate.signingKey : undefined;
  };
}

export function chatMessage(recipients: RecipientDevice[], text = 'hello'): OutgoingMessage {
  return {
    type: MessageType.ChatMessage,
    conversationId: new Uint8Array(32).fill(7),
    sentAt: 1_700_000_123_456,
    body: new TextEncoder().encode(text),
    attachments: [],
    recipients,
  };
}

/** Runs `action` and returns the AegeesError it throws; fails the test for anything else. */
export function aegeesErrorOf(action: () => unknown): AegeesError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(AegeesError);
    return error as AegeesError;
  }
  throw new Error('expected an AegeesError, but nothing was thrown');
}

export function expectCode(action: () => unknown, code: ErrorCode): AegeesError {
  const error = aegeesErrorOf(action);
  expect(error.code, error.message).toBe(code);
  return error;
}

export function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy[bit >> 3]! ^= 1 << (bit & 7);
  return copy;
}

/** A deep copy with every Buffer turned into a plain Uint8Array, for toEqual. */
export function plain<T>(value: T): T {
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  if (Array.isArray(value)) return value.map(plain) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, plain(inner)])) as T;
  }
  return value;
}
