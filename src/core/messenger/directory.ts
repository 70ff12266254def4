// Who is who: the verified cards of this account and its contacts, and what follows from
// them — which device key signs for a sender, which devices a message is sealed to, and
// which mailboxes on which relays reach them.
import { AegeesError } from '../../common/errors.js';
import { bytesEqual, domainPrefix } from '../../common/protocol/codec.js';
import { MessageType } from '../../common/protocol/constants.js';
import type { HeaderBlock } from '../../common/protocol/envelope.js';
import { findDevice } from '../crypto/device-list.js';
import type { RecipientDevice } from '../crypto/envelope.js';
import { blake2b } from '../crypto/sodium.js';
import type { RecipientAccount } from '../delivery/relay-picker.js';
import type { Store } from '../store/store.js';
import { openCard, type VerifiedCard } from './cards.js';
import { accountIdOf, type Identity } from './identity.js';

/** Types whose body carries the sender's own card, so a stranger's first message can be verified. */
const SELF_INTRODUCING: ReadonlySet<number> = new Set([MessageType.ContactRequest, MessageType.ContactAccept, MessageType.DeviceListUpdate]);

export interface InboxRelayRef {
  readonly url: string;
  readonly relayKey: Uint8Array;
}

export interface Recipients {
  readonly devices: RecipientDevice[];
  /** Per account, its inbox relays and the mailbox ids of its recipient devices there. */
  readonly accounts: Array<RecipientAccount<InboxRelayRef>>;
  /** (account, device) pairs, for per-device delivery state. */
  readonly pairs: Array<{ accountId: Buffer; deviceId: Buffer }>;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** Both sides derive the same id for their direct conversation. */
export function directConversationId(a: Uint8Array, b: Uint8Array): Buffer {
  const [first, second] = Buffer.compare(Buffer.from(a), Buffer.from(b)) <= 0 ? [a, b] : [b, a];
  return blake2b(32, [domainPrefix('aegees/v1/direct-conversation'), first, second]);
}

export class Directory {
  private readonly cache = new Map<string, VerifiedCard>();

  constructor(
    private readonly store: Store,
    private readonly currentIdentity: () => Identity | undefined,
  ) {}

  private identity(): Identity {
    const identity = this.currentIdentity();
    if (!identity) throw new AegeesError('NOT_FOUND', 'this profile has no account yet');
    return identity;
  }

  /** The newest verified card of an account we know (ourselves, contacts, fellow group members). */
  card(accountId: Uint8Array): VerifiedCard | undefined {
    const me = this.currentIdentity();
    if (me && bytesEqual(accountId, accountIdOf(me))) return me.card;
    const bytes = this.store.contacts.get(accountId)?.card ?? this.store.conversations.memberCard(accountId);
    if (!bytes) return undefined;
    const key = `${hex(accountId)}:${hex(bytes.subarray(-64))}`;
    let card = this.cache.get(key);
    if (!card) {
      card = openCard(bytes, accountId);
      this.cache.set(key, card);
    }
    return card;
  }

  /**
   * The signing key of a header's sender device: from the card we know, or for a
   * self-introducing message from a stranger, from the card in its own body.
   */
  senderKey(header: HeaderBlock): Uint8Array | undefined {
    let card = this.card(header.senderAccount);
    if (!card && SELF_INTRODUCING.has(header.type)) {
      try {
        card = openCard(header.body, header.senderAccount);
      } catch {
        return undefined;
      }
    }
    if (!card) return undefined;
    return findDevice(card.deviceList, header.senderDevice)?.certificate.signingKey;
  }

  /**
   * Every device of every given account, plus this account's other devices (so they see
   * what this device sent), with their mailboxes. `extraCards` supplies accounts that are
   * not contacts yet (the target of a contact request, group members).
   */
  recipients(accountIds: readonly Uint8Array[], extraCards: readonly VerifiedCard[] = []): Recipients {
    const me = this.identity();
    const myId = accountIdOf(me);
    const cards = new Map<string, VerifiedCard>();
    cards.set(hex(myId), me.card);
    for (const card of extraCards) cards.set(hex(card.deviceList.accountId), card);
    for (const id of accountIds) {
      if (cards.has(hex(id))) continue;
      const card = this.card(id);
      if (card) cards.set(hex(id), card);
    }
    const result: Recipients = { devices: [], accounts: [], pairs: [] };
    for (const card of cards.values()) {
      const list = card.deviceList;
      const devices = list.devices.filter((device) => !device.deviceId.equals(me.device.deviceId));
      if (devices.length === 0) continue;
      for (const device of devices) {
        result.devices.push({ deviceId: device.deviceId, encryptionKey: device.certificate.encryptionKey });
        result.pairs.push({ accountId: Buffer.from(list.accountId), deviceId: device.deviceId });
      }
      result.accounts.push({
        accountId: hex(list.accountId),
        inboxes: list.relays.map((relay, index) => ({
          relay: { url: relay.url, relayKey: relay.relayKey },
          mailboxIds: devices.map((device) => hex(device.mailboxIds[index]!)),
        })),
      });
    }
    return result;
  }

  /**
   * The identity key a relay URL is known by: our roster first, then our card, contacts'
   * cards, then the cards of group members who are not contacts (their inboxes may be on
   * relays nobody else we know uses). A card naming a known URL with another key cannot
   * override an earlier source, and a wrong key only makes deposits there fail: the relay
   * has to prove the key it is reached under.
   */
  relayKey(url: string): Uint8Array | undefined {
    const listed = this.store.roster.get(url);
    if (listed) return listed.identityKey;
    for (const card of this.knownCards()) {
      const relay = card?.deviceList.relays.find((r) => r.url === url);
      if (relay) return relay.relayKey;
    }
    return undefined;
  }

  /** Ours, then contacts', then other group members', opened only as far as the caller reads. */
  private *knownCards(): Generator<VerifiedCard | undefined> {
    yield this.currentIdentity()?.card;
    for (const contact of this.store.contacts.list()) if (contact.card) yield this.card(contact.accountId);
    for (const accountId of this.store.conversations.accountsWithMemberCards()) yield this.card(accountId);
  }

  forget(): void {
    this.cache.clear();
  }
}
