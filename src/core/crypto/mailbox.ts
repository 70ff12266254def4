// Per-relay mailbox keys and every signed transcript between a device and a storage relay
// (docs/PROTOCOL.md §8). The relay and its clients both build the transcripts here, so
// the two sides cannot drift apart.
import type { TLSSocket } from 'node:tls';
import { AegeesError } from '../../common/errors.js';
import { domainPrefix } from '../../common/protocol/codec.js';
import { sortedIds } from '../../common/relay-frames.js';
import {
  SIGN_PUBLIC_BYTES,
  blake2b,
  blake2bHasher,
  sign,
  signingKeyPair,
  verify,
  wipe,
  type Blake2bHasher,
  type SigningKeyPair,
} from './sodium.js';

export const MAILBOX_ROOT_BYTES = 32;
export const MAILBOX_ID_BYTES = 32;
export const MSG_ID_BYTES = 16;
export const BLOB_ID_BYTES = 32;
export const RELAY_NONCE_BYTES = 32;
export const CHANNEL_BINDING_BYTES = 32;
/** TLS exporter label of RFC 9266 (tls-exporter channel binding). */
const CHANNEL_BINDING_LABEL = 'EXPORTER-Channel-Binding';

const SEED_DOMAIN = domainPrefix('aegees/v1/mailbox-seed');
const ID_DOMAIN = domainPrefix('aegees/v1/mailbox-id');

function expectLength(name: string, value: Uint8Array, length: number): void {
  if (value.length !== length) {
    throw new AegeesError('INVALID_ARGUMENT', `${name} must be ${length} bytes, got ${value.length}`);
  }
}

/**
 * The device's Ed25519 mailbox key pair for one relay. Keyed by the relay's identity key,
 * so the same device has unrelated mailbox ids on different relays.
 */
export function deriveMailboxKeyPair(rootSecret: Uint8Array, relayKey: Uint8Array): SigningKeyPair {
  expectLength('mailbox root secret', rootSecret, MAILBOX_ROOT_BYTES);
  expectLength('relay key', relayKey, SIGN_PUBLIC_BYTES);
  const seed = blake2b(32, [SEED_DOMAIN, relayKey], rootSecret);
  try {
    return signingKeyPair(seed);
  } finally {
    wipe(seed);
  }
}

/**
 * RFC 9266 tls-exporter channel binding of a connection; plain (loopback) connections bind
 * to 32 zero bytes. Binding the mailbox transcripts to it means a signature made on one TLS
 * connection is worthless on another, even one a TLS-intercepting proxy relays.
 */
export function channelBindingOf(socket: unknown): Buffer {
  const tls = socket as Partial<Pick<TLSSocket, 'encrypted' | 'exportKeyingMaterial'>> | null;
  if (tls?.encrypted && typeof tls.exportKeyingMaterial === 'function') {
    return tls.exportKeyingMaterial(CHANNEL_BINDING_BYTES, CHANNEL_BINDING_LABEL, Buffer.alloc(0));
  }
  return Buffer.alloc(CHANNEL_BINDING_BYTES);
}

/** A mailbox id commits to its public key, so the relay can check who may open it. */
export function mailboxIdOf(mailboxPublicKey: Uint8Array): Buffer {
  expectLength('mailbox public key', mailboxPublicKey, SIGN_PUBLIC_BYTES);
  return blake2b(MAILBOX_ID_BYTES, [ID_DOMAIN, mailboxPublicKey]);
}

/** The device's mailbox id on a relay, as its contact card publishes it. */
export function mailboxIdFor(rootSecret: Uint8Array, relayKey: Uint8Array): Buffer {
  const keyPair = deriveMailboxKeyPair(rootSecret, relayKey);
  wipe(keyPair.secretKey);
  return mailboxIdOf(keyPair.publicKey);
}

/**
 * Transcript = D(label) ‖ fields (PROTOCOL.md §1.3). Every field has a fixed length, checked
 * by the callers, except a last variable one, so the concatenation is unambiguous.
 */
function transcript(label: string, fields: readonly Uint8Array[]): Buffer {
  return Buffer.concat([domainPrefix(label), ...fields]);
}

function u64(value: number): Buffer {
  if (!Number.isSafeInteger(value) || value < 0) throw new AegeesError('INVALID_ARGUMENT', `not a u64: ${value}`);
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(value));
  return out;
}

/** What both sides of one mailbox connection know before authentication. */
export interface ChallengeContext {
  readonly relayKey: Uint8Array;
  /** Chosen by the relay, single-use. */
  readonly nonce: Uint8Array;
  /** Chosen by the client, so the relay's signature is fresh. */
  readonly clientNonce: Uint8Array;
  /** TLS exporter of this connection; 32 zero bytes on plain loopback connections. */
  readonly channelBinding: Uint8Array;
}

function challengeFields(context: ChallengeContext): Uint8Array[] {
  expectLength('relay key', context.relayKey, SIGN_PUBLIC_BYTES);
  expectLength('nonce', context.nonce, RELAY_NONCE_BYTES);
  expectLength('client nonce', context.clientNonce, RELAY_NONCE_BYTES);
  expectLength('channel binding', context.channelBinding, CHANNEL_BINDING_BYTES);
  return [context.relayKey, context.nonce, context.clientNonce, context.channelBinding];
}

/** The relay proves it holds its identity key on this very connection. */
export function signRelayChallenge(context: ChallengeContext, relaySecretKey: Uint8Array): Buffer {
  return sign(transcript('aegees/v1/relay-challenge', challengeFields(context)), relaySecretKey);
}

export function verifyRelayChallenge(context: ChallengeContext, signature: Uint8Array): boolean {
  return verify(signature, transcript('aegees/v1/relay-challenge', challengeFields(context)), context.relayKey);
}

/** The device proves it owns the mailbox, bound to this relay, this nonce and this connection. */
export function signMailboxAuth(context: ChallengeContext, mailbox: SigningKeyPair): Buffer {
  const fields = [...challengeFields(context), mailboxIdOf(mailbox.publicKey)];
  return sign(transcript('aegees/v1/mailbox-auth', fields), mailbox.secretKey);
}

/** Returns the authenticated mailbox id, or undefined when the signature does not verify. */
export function verifyMailboxAuth(
  context: ChallengeContext, mailboxPublicKey: Uint8Array, signature: Uint8Array,
): Buffer | undefined {
  if (mailboxPublicKey.length !== SIGN_PUBLIC_BYTES) return undefined;
  const mailboxId = mailboxIdOf(mailboxPublicKey);
  const message = transcript('aegees/v1/mailbox-auth', [...challengeFields(context), mailboxId]);
  return verify(signature, message, mailboxPublicKey) ? mailboxId : undefined;
}

/** Signs the exact UTF-8 text of a relay information document. */
export function signRelayInfo(documentText: string, relaySecretKey: Uint8Array): Buffer {
  return sign(transcript('aegees/v1/relay-info', [Buffer.from(documentText, 'utf8')]), relaySecretKey);
}

export function verifyRelayInfo(documentText: string, signature: Uint8Array, relayKey: Uint8Array): boolean {
  return verify(signature, transcript('aegees/v1/relay-info', [Buffer.from(documentText, 'utf8')]), relayKey);
}

export interface DepositContent {
  readonly msgId: Uint8Array;
  readonly mailboxIds: readonly Uint8Array[];
  readonly blobIds: readonly Uint8Array[];
  readonly envelope: Uint8Array;
}

const DEPOSIT_DOMAIN = domainPrefix('aegees/v1/deposit');

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
}

/** The ids in ascending order (views, not copies); a wrong length or a duplicate is refused. */
function sortedUnique(name: string, ids: readonly Uint8Array[], length: number): Uint8Array[] {
  for (const id of ids) expectLength(name, id, length);
  return sortedIds(ids, name);
}

/**
 * Identifies a deposit's content independently of list order: idempotent redeposits
 * compare digests, and the relay's receipt signs it. Both sides compute it for every
 * deposit, so everything before the envelope is laid out in one buffer and hashed with it
 * in one pass.
 */
export function depositDigest(content: DepositContent): Buffer {
  expectLength('message id', content.msgId, MSG_ID_BYTES);
  const mailboxes = sortedUnique('mailbox id', content.mailboxIds, MAILBOX_ID_BYTES);
  const blobs = sortedUnique('blob id', content.blobIds, BLOB_ID_BYTES);
  const head = Buffer.allocUnsafe(
    DEPOSIT_DOMAIN.length + MSG_ID_BYTES + 4 + mailboxes.length * MAILBOX_ID_BYTES + 4 + blobs.length * BLOB_ID_BYTES + 4,
  );
  head.set(DEPOSIT_DOMAIN, 0);
  let at = DEPOSIT_DOMAIN.length;
  head.set(content.msgId, at);
  at = head.writeUInt32BE(mailboxes.length, at + MSG_ID_BYTES);
  for (const id of mailboxes) {
    head.set(id, at);
    at += MAILBOX_ID_BYTES;
  }
  at = head.writeUInt32BE(blobs.length, at);
  for (const id of blobs) {
    head.set(id, at);
    at += BLOB_ID_BYTES;
  }
  head.writeUInt32BE(content.envelope.length, at);
  return blake2b(32, [head, content.envelope]);
}

/** One deposit a receipt vouches for: its digest and how long the relay keeps it. */
export interface DepositReceiptEntry {
  readonly digest: Uint8Array;
  readonly expiresAt: number;
}

function receiptTranscript(relayKey: Uint8Array, entries: readonly DepositReceiptEntry[]): Buffer {
  expectLength('relay key', relayKey, SIGN_PUBLIC_BYTES);
  if (entries.length === 0) throw new AegeesError('INVALID_ARGUMENT', 'a deposit receipt covers at least one deposit');
  const fields: Uint8Array[] = [relayKey, u32(entries.length)];
  for (const entry of entries) {
    expectLength('deposit digest', entry.digest, 32);
    fields.push(entry.digest, u64(entry.expiresAt));
  }
  return transcript('aegees/v1/deposit-receipt', fields);
}

/**
 * The relay's signed statement that it durably stored each of these deposits until its
 * `expiresAt`. One signature covers every deposit a commit made durable for one connection,
 * so a burst costs one signature and one verification, not one per deposit.
 */
export function signDepositReceipt(relayKey: Uint8Array, entries: readonly DepositReceiptEntry[], relaySecretKey: Uint8Array): Buffer {
  return sign(receiptTranscript(relayKey, entries), relaySecretKey);
}

export function verifyDepositReceipt(relayKey: Uint8Array, entries: readonly DepositReceiptEntry[], signature: Uint8Array): boolean {
  return verify(signature, receiptTranscript(relayKey, entries), relayKey);
}

export interface BlobReceipt {
  readonly relayKey: Uint8Array;
  readonly blobId: Uint8Array;
  readonly size: number;
}

function blobReceiptFields(receipt: BlobReceipt): Uint8Array[] {
  expectLength('relay key', receipt.relayKey, SIGN_PUBLIC_BYTES);
  expectLength('blob id', receipt.blobId, BLOB_ID_BYTES);
  return [receipt.relayKey, receipt.blobId, u64(receipt.size)];
}

/** The relay's signed statement that it durably stored this blob. */
export function signBlobReceipt(receipt: BlobReceipt, relaySecretKey: Uint8Array): Buffer {
  return sign(transcript('aegees/v1/blob-receipt', blobReceiptFields(receipt)), relaySecretKey);
}

export function verifyBlobReceipt(receipt: BlobReceipt, signature: Uint8Array): boolean {
  return verify(signature, transcript('aegees/v1/blob-receipt', blobReceiptFields(receipt)), receipt.relayKey);
}

/** A blob is addressed by the BLAKE2b-256 of its bytes; feed it the bytes as they stream. */
export function blobIdHasher(): Blake2bHasher {
  return blake2bHasher(BLOB_ID_BYTES);
}
