// POST /v1/envelopes: store an envelope for a list of mailboxes. Anyone may deposit; the
// answer comes only after the store committed durably, and carries a signed receipt.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { depositDigest, signDepositReceipt } from '../../core/crypto/mailbox.js';
import { blake2b } from '../../core/crypto/sodium.js';
import { DepositRequest, type DepositResponse } from '../../common/relay-protocol.js';
import type { RelayContext } from '../context.js';
import { checkDeclaredLength, readBody, requireContentType } from './body.js';
import { HttpError, sendJson } from './respond.js';

/** JSON around the base64url envelope: each id is 64 hex digits plus quotes and a comma. */
function bodyLimit(ctx: RelayContext): number {
  const { config } = ctx;
  return Math.ceil(config.maxEnvelopeBytes / 3) * 4 + (config.maxMailboxesPerEnvelope + config.maxBlobsPerEnvelope) * 67 + 256;
}

function parseDeposit(ctx: RelayContext, body: Buffer) {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'MALFORMED', 'body is not JSON');
  }
  const parsed = DepositRequest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new HttpError(400, 'MALFORMED', `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid deposit'}`);
  }
  const request = parsed.data;
  const { config } = ctx;
  if (request.mailboxes.length > config.maxMailboxesPerEnvelope) {
    throw new HttpError(413, 'TOO_LARGE', `at most ${config.maxMailboxesPerEnvelope} mailboxes per envelope`);
  }
  if (request.blobs.length > config.maxBlobsPerEnvelope) {
    throw new HttpError(413, 'TOO_LARGE', `at most ${config.maxBlobsPerEnvelope} blobs per envelope`);
  }
  const envelope = Buffer.from(request.envelope, 'base64url');
  // Buffer.from ignores a dangling final character; only the canonical encoding is accepted.
  if (envelope.toString('base64url') !== request.envelope) throw new HttpError(400, 'MALFORMED', 'envelope: not canonical base64url');
  checkDeclaredLength(envelope.length, config.maxEnvelopeBytes, 'envelope');
  return {
    msgId: Buffer.from(request.msgId, 'hex'),
    mailboxIds: request.mailboxes.map((id) => Buffer.from(id, 'hex')).sort(Buffer.compare),
    blobIds: request.blobs.map((id) => Buffer.from(id, 'hex')).sort(Buffer.compare),
    envelope,
  };
}

export async function handleDeposit(ctx: RelayContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  requireContentType(req, 'application/json');
  const deposit = parseDeposit(ctx, await readBody(req, res, bodyLimit(ctx), ctx.bodyBudget));
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
        ctx.onDeposited(deposit.mailboxIds, {
          seq: outcome.seq, msgId: deposit.msgId, envelope: deposit.envelope, bodyHash, expiresAt: outcome.expiresAt,
        });
      }
      const receipt = signDepositReceipt(
        { relayKey: ctx.identity.publicKey, digest, expiresAt: outcome.expiresAt }, ctx.identity.secretKey,
      );
      const body: DepositResponse = {
        status: outcome.kind,
        msgId: deposit.msgId.toString('hex'),
        expiresAt: outcome.expiresAt,
        receipt: receipt.toString('hex'),
      };
      sendJson(res, outcome.kind === 'stored' ? 201 : 200, body);
    }
  }
}
