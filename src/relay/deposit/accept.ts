// One deposit, whichever way it came (POST /v1/envelopes or a frame on /v1/deposits): checked
// against this relay's limits, stored for every mailbox or for none, and answered only once
// the store made it durable. The caller answers it under a receipt signed by the relay's
// identity key (one per HTTP answer; one per frame of answers on a deposit connection).
import { depositDigest, signDepositReceipt, type DepositContent } from '../../core/crypto/mailbox.js';
import { blake2b, bufferView } from '../../core/crypto/sodium.js';
import { sortedIds } from '../../common/relay-frames.js';
import { PROTOCOL_MAX, type DepositRequest, type DepositResponse } from '../../common/relay-protocol.js';
import type { RelayConfig } from '../config.js';
import type { RelayContext } from '../context.js';
import { checkDeclaredLength } from '../http/body.js';
import { HttpError } from '../http/respond.js';

export interface CheckedDeposit {
  readonly msgId: Buffer;
  /** Sorted. */
  readonly mailboxIds: Buffer[];
  /** Sorted. */
  readonly blobIds: Buffer[];
  readonly envelope: Buffer;
}

/** JSON around the base64url envelope: each id is 64 hex digits plus quotes and a comma. */
export function depositBodyLimit(config: RelayConfig): number {
  return Math.ceil(config.maxEnvelopeBytes / 3) * 4 + (config.maxMailboxesPerEnvelope + config.maxBlobsPerEnvelope) * 67 + 256;
}

/**
 * The largest binary deposit frame (§7.3.2) this relay reads: header, ids and envelope at
 * its own limits. Ids past those limits are refused as TOO_LARGE, not cut off as a frame.
 */
export function depositFrameLimit(config: RelayConfig): number {
  return 1 + 4 + 16 + 2 + PROTOCOL_MAX.mailboxesPerEnvelope * 32 + 2 + PROTOCOL_MAX.blobsPerEnvelope * 32 + config.maxEnvelopeBytes;
}

/** An HTTP deposit body (already matched against the protocol's schema) as bytes. */
export function depositFromJson(request: DepositRequest): DepositContent {
  const envelope = Buffer.from(request.envelope, 'base64url');
  // Buffer.from ignores a dangling final character; only the canonical encoding is accepted.
  if (envelope.toString('base64url') !== request.envelope) throw new HttpError(400, 'MALFORMED', 'envelope: not canonical base64url');
  return {
    msgId: Buffer.from(request.msgId, 'hex'),
    mailboxIds: sortedIds(request.mailboxes.map((id) => Buffer.from(id, 'hex')), 'mailbox id'),
    blobIds: sortedIds(request.blobs.map((id) => Buffer.from(id, 'hex')), 'blob id'),
    envelope,
  };
}

/** Applies the relay's own limits to a deposit that is within the protocol's; ids must be sorted. */
export function checkDeposit(config: RelayConfig, deposit: DepositContent): CheckedDeposit {
  if (deposit.mailboxIds.length > config.maxMailboxesPerEnvelope) {
    throw new HttpError(413, 'TOO_LARGE', `at most ${config.maxMailboxesPerEnvelope} mailboxes per envelope`);
  }
  if (deposit.blobIds.length > config.maxBlobsPerEnvelope) {
    throw new HttpError(413, 'TOO_LARGE', `at most ${config.maxBlobsPerEnvelope} blobs per envelope`);
  }
  checkDeclaredLength(deposit.envelope.length, config.maxEnvelopeBytes, 'envelope');
  return {
    msgId: bufferView(deposit.msgId),
    mailboxIds: deposit.mailboxIds.map(bufferView),
    blobIds: deposit.blobIds.map(bufferView),
    envelope: bufferView(deposit.envelope),
  };
}

/** A deposit the relay holds durably, before it is answered. */
export interface AcceptedDeposit {
  readonly status: 'stored' | 'duplicate';
  readonly msgId: Buffer;
  readonly digest: Buffer;
  readonly expiresAt: number;
}

/** The HTTP answer: one deposit under its own receipt. */
export function depositResponse(ctx: RelayContext, accepted: AcceptedDeposit): DepositResponse {
  const receipt = signDepositReceipt(ctx.identity.publicKey, [accepted], ctx.identity.secretKey);
  return { status: accepted.status, msgId: accepted.msgId.toString('hex'), expiresAt: accepted.expiresAt, receipt: receipt.toString('hex') };
}

/** Stores the deposit durably and pushes it to connected recipients; refusals throw HttpError. */
export async function acceptDeposit(ctx: RelayContext, deposit: CheckedDeposit): Promise<AcceptedDeposit> {
  ctx.disk?.admit(deposit.envelope.length);
  const digest = depositDigest(deposit);
  const bodyHash = blake2b(32, deposit.envelope);
  const now = Date.now();
  const outcome = await ctx.store.deposit({
    ...deposit,
    digest,
    bodyHash,
    now,
    expiresAt: now + Math.round(ctx.config.envelopeTtl * 1000),
    quota: { envelopes: ctx.config.quotaEnvelopes, bytes: ctx.config.quotaBytes },
  });
  switch (outcome.kind) {
    case 'conflict':
      throw new HttpError(409, 'CONFLICT', 'this message id was deposited with different content');
    case 'unknown-blobs':
      throw new HttpError(409, 'UNKNOWN_BLOB', 'upload the referenced blobs first', {
        blobs: outcome.blobIds.map((id) => id.toString('hex')),
      });
    case 'mailbox-full':
      throw new HttpError(507, 'MAILBOX_FULL', 'a recipient mailbox is over its quota', {
        mailboxes: outcome.mailboxIds.map((id) => id.toString('hex')),
      });
    case 'stored':
    case 'duplicate': {
      ctx.metrics.deposits.inc({ result: outcome.kind });
      if (outcome.kind === 'stored') {
        ctx.uploads.referenced(deposit.blobIds);
        ctx.onDeposited(deposit.mailboxIds, {
          seq: outcome.seq, msgId: deposit.msgId, envelope: deposit.envelope, bodyHash, expiresAt: outcome.expiresAt,
        });
      }
      return { status: outcome.kind, msgId: deposit.msgId, digest, expiresAt: outcome.expiresAt };
    }
  }
}
