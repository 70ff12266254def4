// GET /v1/info: the relay's signed information document (version, identity key, limits,
// TTLs). A client's `challenge` is echoed inside the signed text, so an answer cannot be a
// replay of an older one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { signRelayInfo } from '../../core/crypto/mailbox.js';
import {
  NonceHex,
  PROTOCOL_MAX,
  RELAY_PROTOCOL,
  RELAY_PROTOCOL_VERSION,
  type RelayInfoDocument,
  type SignedRelayInfo,
} from '../../common/relay-protocol.js';
import type { RelayContext } from '../context.js';
import { depositFrameLimit } from '../deposit/accept.js';
import { HttpError, sendJson } from './respond.js';

export const RELAY_SOFTWARE = 'aegees-relay 0.1.0';
/** Client frames are auth and ack only; 16 KiB holds the largest ack. */
export const MAX_FRAME_BYTES = 16 * 1024;

export function infoDocument(ctx: RelayContext, challenge?: string): RelayInfoDocument {
  const { config } = ctx;
  return {
    protocol: RELAY_PROTOCOL,
    version: RELAY_PROTOCOL_VERSION,
    software: RELAY_SOFTWARE,
    identityKey: ctx.identity.publicKey.toString('hex'),
    time: Date.now(),
    ...(challenge === undefined ? {} : { challenge }),
    limits: {
      maxEnvelopeBytes: config.maxEnvelopeBytes,
      maxMailboxesPerEnvelope: config.maxMailboxesPerEnvelope,
      maxBlobsPerEnvelope: config.maxBlobsPerEnvelope,
      maxBlobBytes: config.maxBlobBytes,
      maxAckIds: PROTOCOL_MAX.ackIds,
      maxFrameBytes: MAX_FRAME_BYTES,
      quotaEnvelopesPerMailbox: config.quotaEnvelopes,
      quotaBytesPerMailbox: config.quotaBytes,
      requestsPerSecond: config.rateLimit,
      requestBurst: config.rateBurst,
      pushWindow: config.pushWindow,
      maxDepositFrameBytes: depositFrameLimit(config),
      depositWindow: config.depositWindow,
    },
    ttls: {
      envelopeSeconds: config.envelopeTtl,
      unreferencedBlobSeconds: config.blobTtl,
      challengeSeconds: config.challengeTtl,
    },
  };
}

export function handleInfo(ctx: RelayContext, _req: IncomingMessage, res: ServerResponse, url: URL): void {
  const challenge = url.searchParams.get('challenge') ?? undefined;
  if (challenge !== undefined && !NonceHex.safeParse(challenge).success) {
    throw new HttpError(400, 'MALFORMED', 'challenge must be 32 bytes of lowercase hex');
  }
  const document = JSON.stringify(infoDocument(ctx, challenge));
  const body: SignedRelayInfo = { document, signature: signRelayInfo(document, ctx.identity.secretKey).toString('hex') };
  sendJson(res, 200, body);
}
