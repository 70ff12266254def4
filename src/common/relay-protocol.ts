// The storage relay's wire format (docs/PROTOCOL.md §7–8): every HTTP body and WebSocket
// frame the relay and its clients exchange, as zod schemas both sides validate against.
// Binary values travel as lowercase hex (ids, keys, signatures) or unpadded base64url
// (envelope bytes in an HTTP deposit). The two WebSocket frames that carry envelopes are
// binary instead (relay-frames.ts).
import { z } from 'zod';

export const RELAY_PROTOCOL = 'aegees-relay';
export const RELAY_PROTOCOL_VERSION = 1;

/** Hard protocol ceilings; a relay announces its own (lower or equal) limits. */
export const PROTOCOL_MAX = {
  mailboxesPerEnvelope: 1000,
  blobsPerEnvelope: 256,
  ackIds: 256,
  frameBytes: 64 * 1024,
  depositWindow: 1024,
  answersPerFrame: 256,
} as const;

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `not ${bytes} bytes of lowercase hex`);

export const MsgIdHex = hex(16);
export const MailboxIdHex = hex(32);
export const BlobIdHex = hex(32);
export const KeyHex = hex(32);
export const NonceHex = hex(32);
export const SignatureHex = hex(64);
export const DigestHex = hex(32);
export const Base64Url = z.string().regex(/^[A-Za-z0-9_-]*$/, 'not unpadded base64url');
const Millis = z.number().int().nonnegative();

function unique(values: readonly string[]): boolean {
  return new Set(values).size === values.length;
}

/** POST /v1/envelopes. */
export const DepositRequest = z.strictObject({
  msgId: MsgIdHex,
  mailboxes: z.array(MailboxIdHex).min(1).max(PROTOCOL_MAX.mailboxesPerEnvelope).refine(unique, 'duplicate mailbox id'),
  blobs: z.array(BlobIdHex).max(PROTOCOL_MAX.blobsPerEnvelope).refine(unique, 'duplicate blob id'),
  envelope: Base64Url.min(1),
});
export type DepositRequest = z.infer<typeof DepositRequest>;

export const DepositResponse = z.strictObject({
  status: z.enum(['stored', 'duplicate']),
  msgId: MsgIdHex,
  expiresAt: Millis,
  receipt: SignatureHex,
});
export type DepositResponse = z.infer<typeof DepositResponse>;

export const BlobUploadResponse = z.strictObject({
  status: z.enum(['stored', 'exists']),
  blobId: BlobIdHex,
  size: z.number().int().nonnegative(),
  receipt: SignatureHex,
});
export type BlobUploadResponse = z.infer<typeof BlobUploadResponse>;

export const RELAY_ERROR_CODES = [
  'MALFORMED',
  'TOO_LARGE',
  'LENGTH_REQUIRED',
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'CONFLICT',
  'UNKNOWN_BLOB',
  'HASH_MISMATCH',
  'RATE_LIMITED',
  'MAILBOX_FULL',
  'STORAGE_FULL',
  'BLOB_CORRUPT',
  'UNAVAILABLE',
  'INTERNAL',
  'AUTH_FAILED',
  'AUTH_TIMEOUT',
] as const;
export type RelayErrorCode = (typeof RELAY_ERROR_CODES)[number];

const refusalDetails = {
  /** MAILBOX_FULL: the mailboxes over quota. */
  mailboxes: z.array(MailboxIdHex).optional(),
  /** UNKNOWN_BLOB: the referenced blobs the relay does not hold. */
  blobs: z.array(BlobIdHex).optional(),
};

export const ErrorResponse = z.object({
  error: z.object({
    code: z.enum(RELAY_ERROR_CODES),
    message: z.string().max(1000),
    ...refusalDetails,
  }),
});
export type ErrorResponse = z.infer<typeof ErrorResponse>;

export const RelayLimits = z.strictObject({
  maxEnvelopeBytes: z.number().int().positive(),
  maxMailboxesPerEnvelope: z.number().int().positive().max(PROTOCOL_MAX.mailboxesPerEnvelope),
  maxBlobsPerEnvelope: z.number().int().nonnegative().max(PROTOCOL_MAX.blobsPerEnvelope),
  maxBlobBytes: z.number().int().positive(),
  maxAckIds: z.number().int().positive().max(PROTOCOL_MAX.ackIds),
  maxFrameBytes: z.number().int().positive().max(PROTOCOL_MAX.frameBytes),
  quotaEnvelopesPerMailbox: z.number().int().positive(),
  quotaBytesPerMailbox: z.number().int().positive(),
  /** Token bucket per client IP; 0 means unlimited. */
  requestsPerSecond: z.number().nonnegative(),
  requestBurst: z.number().nonnegative(),
  /** Unacknowledged pushes per mailbox connection. */
  pushWindow: z.number().int().positive(),
  /** Deposit frames: the largest one, and how many one deposit connection may have unanswered. */
  maxDepositFrameBytes: z.number().int().positive(),
  depositWindow: z.number().int().positive().max(PROTOCOL_MAX.depositWindow),
});
export type RelayLimits = z.infer<typeof RelayLimits>;

export const RelayTtls = z.strictObject({
  envelopeSeconds: z.number().positive(),
  unreferencedBlobSeconds: z.number().positive(),
  challengeSeconds: z.number().positive(),
});
export type RelayTtls = z.infer<typeof RelayTtls>;

export const RelayInfoDocument = z.strictObject({
  protocol: z.literal(RELAY_PROTOCOL),
  version: z.literal(RELAY_PROTOCOL_VERSION),
  software: z.string().max(100),
  identityKey: KeyHex,
  time: Millis,
  /** Echo of the client's `challenge` query parameter, proving the signature is fresh. */
  challenge: NonceHex.optional(),
  limits: RelayLimits,
  ttls: RelayTtls,
});
export type RelayInfoDocument = z.infer<typeof RelayInfoDocument>;

/** The document travels as exact text so the signature covers the bytes that were sent. */
export const SignedRelayInfo = z.strictObject({
  document: z.string().max(16 * 1024),
  signature: SignatureHex,
});
export type SignedRelayInfo = z.infer<typeof SignedRelayInfo>;

// WebSocket frames on /v1/mailbox: JSON text frames, one object each, except the pushed
// envelopes, which are binary (relay-frames.ts).

export const ChallengeFrame = z.strictObject({
  type: z.literal('challenge'),
  relayKey: KeyHex,
  nonce: NonceHex,
  expiresAt: Millis,
  signature: SignatureHex,
});
export const ReadyFrame = z.strictObject({ type: z.literal('ready'), mailboxId: MailboxIdHex });
export const ErrorFrame = z.strictObject({
  type: z.literal('error'),
  code: z.enum(RELAY_ERROR_CODES),
  message: z.string().max(1000),
});
export const ServerFrame = z.discriminatedUnion('type', [ChallengeFrame, ReadyFrame, ErrorFrame]);
export type ServerFrame = z.infer<typeof ServerFrame>;

export const AuthFrame = z.strictObject({ type: z.literal('auth'), mailboxKey: KeyHex, signature: SignatureHex });
export const AckFrame = z.strictObject({
  type: z.literal('ack'),
  msgIds: z.array(MsgIdHex).min(1).max(PROTOCOL_MAX.ackIds),
});
export const ClientFrame = z.discriminatedUnion('type', [AuthFrame, AckFrame]);
export type ClientFrame = z.infer<typeof ClientFrame>;

// WebSocket frames on /v1/deposits: deposits are binary (relay-frames.ts); the relay's
// answers are JSON text frames, matched to deposits by the `id` the client chose.

const DepositId = z.number().int().nonnegative().max(0xffff_ffff);

/** One deposit a `deposited` frame answers; `digest` is what the frame's receipt covers for it. */
export const DepositedAnswer = z.strictObject({
  id: DepositId,
  status: DepositResponse.shape.status,
  msgId: MsgIdHex,
  expiresAt: Millis,
  digest: DigestHex,
});
export type DepositedAnswer = z.infer<typeof DepositedAnswer>;
/** Every deposit of one connection made durable by the same commit, under one receipt. */
export const DepositedFrame = z.strictObject({
  type: z.literal('deposited'),
  answers: z.array(DepositedAnswer).min(1).max(PROTOCOL_MAX.answersPerFrame),
  receipt: SignatureHex,
});
export type DepositedFrame = z.infer<typeof DepositedFrame>;
export const RefusedFrame = z.strictObject({
  type: z.literal('refused'),
  id: DepositId,
  code: z.enum(RELAY_ERROR_CODES),
  message: z.string().max(1000),
  ...refusalDetails,
  /** RATE_LIMITED and UNAVAILABLE: whole seconds to wait before sending it again. */
  retryAfter: z.number().int().positive().optional(),
});
export type RefusedFrame = z.infer<typeof RefusedFrame>;
export const DepositAnswerFrame = z.discriminatedUnion('type', [DepositedFrame, RefusedFrame]);
export type DepositAnswerFrame = z.infer<typeof DepositAnswerFrame>;

/** WebSocket close codes the relay uses besides the standard ones (1000, 1001, 1009, 1011). */
export const CLOSE_CODES = {
  malformed: 4400,
  authFailed: 4401,
  authTimeout: 4408,
  replaced: 4409,
  rateLimited: 4429,
} as const;

export const RELAY_PATHS = {
  info: '/v1/info',
  envelopes: '/v1/envelopes',
  deposits: '/v1/deposits',
  blobs: '/v1/blobs/',
  mailbox: '/v1/mailbox',
  health: '/healthz',
  metrics: '/metrics',
} as const;
