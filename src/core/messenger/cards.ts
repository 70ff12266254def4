// Contact cards and invite codes: what one account hands another to start talking. A card
// is the account's signed device list plus its display name, signed again by the account
// key; the invite code is the card as text, the same string a QR code carries.
import { AegeesError } from '../../common/errors.js';
import {
  contactCardTranscript,
  decodeContactCard,
  encodeContactCard,
  type ContactCard,
} from '../../common/protocol/bodies.js';
import { openDeviceList, type VerifiedDeviceList } from '../crypto/device-list.js';
import type { AccountIdentity } from '../crypto/identity.js';
import { sign, verify } from '../crypto/sodium.js';

const INVITE_PREFIX = 'AEGEES1:';

export interface VerifiedCard {
  readonly displayName: string;
  readonly deviceList: VerifiedDeviceList;
  /** The signed device list as encoded inside the card. */
  readonly deviceListBytes: Uint8Array;
  /** The encoded card, as received; forwarded unchanged in group state. */
  readonly bytes: Uint8Array;
}

export function signCard(account: AccountIdentity, displayName: string, deviceListBytes: Uint8Array): Uint8Array {
  const unsigned = { displayName, deviceList: deviceListBytes };
  return encodeContactCard({ ...unsigned, signature: sign(contactCardTranscript(unsigned), account.signing.secretKey) });
}

/** Decodes and verifies a card: the device list's signatures and the card's own. */
export function openCard(bytes: Uint8Array, expectedAccountId?: Uint8Array): VerifiedCard {
  const card: ContactCard = decodeContactCard(bytes);
  const deviceList = openDeviceList(card.deviceList, expectedAccountId);
  if (!verify(card.signature, contactCardTranscript(card), deviceList.accountId)) {
    throw new AegeesError('BAD_SIGNATURE', 'contact card signature does not verify');
  }
  return { displayName: card.displayName, deviceList, deviceListBytes: card.deviceList, bytes };
}

export function inviteCodeOf(cardBytes: Uint8Array): string {
  return INVITE_PREFIX + Buffer.from(cardBytes).toString('base64url');
}

export function cardFromInviteCode(code: string): VerifiedCard {
  const trimmed = code.replace(/\s+/g, '');
  if (!trimmed.startsWith(INVITE_PREFIX)) {
    throw new AegeesError('MALFORMED', `an invite code starts with ${INVITE_PREFIX}`);
  }
  const payload = trimmed.slice(INVITE_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) throw new AegeesError('MALFORMED', 'invite code has characters outside base64url');
  return openCard(Buffer.from(payload, 'base64url'));
}
