// This device's identity: its keys from the secret store, its public record and card from
// the local store. The device that created the account keeps the account key and is the
// one that certifies (links) and revokes devices; linked devices hold only their own keys.
import { AegeesError } from '../../common/errors.js';
import type { InboxRelay } from '../../common/protocol/device-list.js';
import { certifyDevice, signDeviceList } from '../crypto/device-list.js';
import {
  exportAccountSecret,
  exportDeviceSecrets,
  generateAccount,
  generateDevice,
  importAccountSecret,
  importDeviceSecrets,
  type AccountIdentity,
  type DeviceKeys,
} from '../crypto/identity.js';
import { mailboxIdFor } from '../crypto/mailbox.js';
import { wipe } from '../crypto/sodium.js';
import type { SecretStore } from '../keychain/secret-store.js';
import type { Store } from '../store/store.js';
import { openCard, signCard, type VerifiedCard } from './cards.js';

export const ACCOUNT_SECRET = 'account-secret';
export const DEVICE_SECRET = 'device-secrets';

export interface Identity {
  /** Present on the device that holds the account key. */
  readonly account: AccountIdentity | undefined;
  readonly device: DeviceKeys;
  readonly card: VerifiedCard;
}

export function accountIdOf(identity: Identity): Buffer {
  return Buffer.from(identity.card.deviceList.accountId);
}

/** Loads the identity if this profile has one; a store row without its keys is an error. */
export async function loadIdentity(store: Store, secrets: SecretStore): Promise<Identity | undefined> {
  const record = store.identity.get();
  if (!record) return undefined;
  const deviceSecret = await secrets.get(DEVICE_SECRET);
  if (!deviceSecret) {
    throw new AegeesError('KEYCHAIN_NOT_FOUND', 'this profile has an account but its device keys are missing from the keychain');
  }
  const accountSecret = await secrets.get(ACCOUNT_SECRET);
  try {
    return {
      device: importDeviceSecrets(deviceSecret),
      account: accountSecret ? importAccountSecret(accountSecret) : undefined,
      card: openCard(record.card, record.accountId),
    };
  } finally {
    wipe(deviceSecret, accountSecret);
  }
}

export interface NewAccount {
  readonly displayName: string;
  readonly deviceName: string;
  readonly inboxRelays: readonly InboxRelay[];
  readonly now: number;
}

/**
 * Creates an account with this device as its first device. Keys reach the secret store
 * before the store row exists, so no profile ever names an account whose keys are lost.
 */
export async function createIdentity(store: Store, secrets: SecretStore, input: NewAccount): Promise<Identity> {
  const account = generateAccount();
  const device = generateDevice();
  const certificate = certifyDevice(account, device, { createdAt: input.now, label: input.deviceName });
  const mailboxIds = input.inboxRelays.map((relay) => mailboxIdFor(device.mailboxRootSecret, relay.relayKey));
  const { bytes: deviceList } = signDeviceList(account, {
    version: 1,
    issuedAt: input.now,
    devices: [{ certificate, mailboxIds }],
    relays: input.inboxRelays,
  });
  const cardBytes = signCard(account, input.displayName, deviceList);
  const accountSecret = exportAccountSecret(account);
  const deviceSecret = exportDeviceSecrets(device);
  try {
    await secrets.set(DEVICE_SECRET, deviceSecret);
    await secrets.set(ACCOUNT_SECRET, accountSecret);
  } finally {
    wipe(accountSecret, deviceSecret);
  }
  const card = openCard(cardBytes, account.accountId);
  store.identity.put({
    accountId: account.accountId,
    deviceId: device.deviceId,
    displayName: input.displayName,
    deviceList,
    deviceListVersion: 1,
    card: cardBytes,
    createdAt: input.now,
  });
  return { account, device, card };
}

/** Stores a newer own device list and card (after linking or revoking a device). */
export function saveOwnCard(store: Store, identity: Identity, card: VerifiedCard): Identity {
  const current = store.identity.get();
  if (!current) throw new AegeesError('NOT_FOUND', 'this profile has no account');
  store.identity.put({
    ...current,
    displayName: card.displayName,
    deviceList: card.deviceListBytes,
    deviceListVersion: card.deviceList.version,
    card: card.bytes,
  });
  return { ...identity, card };
}
