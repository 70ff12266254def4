// How a relay's refusals reach callers: an AegeesError whose code says what to do next
// (retry later, try another relay, re-upload, give up), plus the relay's own details.
import { AegeesError, type ErrorCode } from '../../common/errors.js';
import { ErrorResponse, type RefusedFrame, type RelayErrorCode } from '../../common/relay-protocol.js';

export interface RelayErrorDetails {
  readonly status?: number;
  readonly relayCode?: RelayErrorCode;
  /** From Retry-After on 429 and 503 answers. */
  readonly retryAfterSeconds?: number;
  /** MAILBOX_FULL: the full mailboxes; UNKNOWN_BLOB: the missing blobs (hex ids). */
  readonly ids?: readonly string[];
  readonly cause?: unknown;
}

export class RelayRequestError extends AegeesError {
  readonly status: number | undefined;
  readonly relayCode: RelayErrorCode | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly ids: readonly string[];

  constructor(code: ErrorCode, message: string, details: RelayErrorDetails = {}) {
    super(code, message, { cause: details.cause });
    this.status = details.status;
    this.relayCode = details.relayCode;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.ids = details.ids ?? [];
  }
}

const BY_RELAY_CODE: Partial<Record<RelayErrorCode, ErrorCode>> = {
  TOO_LARGE: 'TOO_LARGE',
  RATE_LIMITED: 'RATE_LIMITED',
  MAILBOX_FULL: 'QUOTA_EXCEEDED',
  CONFLICT: 'CONFLICT',
  UNKNOWN_BLOB: 'CONFLICT',
  NOT_FOUND: 'NOT_FOUND',
  HASH_MISMATCH: 'HASH_MISMATCH',
  AUTH_FAILED: 'AUTH_FAILED',
  AUTH_TIMEOUT: 'AUTH_FAILED',
};

export function errorFromResponse(status: number, body: unknown, retryAfter: string | undefined): RelayRequestError {
  const parsed = ErrorResponse.safeParse(body);
  const retryAfterSeconds = retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Number(retryAfter) : undefined;
  if (!parsed.success) {
    const code: ErrorCode = status >= 500 ? 'RELAY_UNAVAILABLE' : 'RELAY_REJECTED';
    return new RelayRequestError(code, `relay answered ${status} without a valid error body`, { status, retryAfterSeconds });
  }
  const { code: relayCode, message, mailboxes, blobs } = parsed.data.error;
  return new RelayRequestError(codeFor(relayCode, status >= 500), `relay: ${message}`, {
    status, relayCode, retryAfterSeconds, ids: mailboxes ?? blobs ?? [],
  });
}

/** Codes that mean the relay, not the request, is at fault: the request may succeed later. */
const RELAY_SIDE: ReadonlySet<RelayErrorCode> = new Set(['UNAVAILABLE', 'INTERNAL', 'BLOB_CORRUPT', 'STORAGE_FULL']);

function codeFor(relayCode: RelayErrorCode, relaySide: boolean): ErrorCode {
  return BY_RELAY_CODE[relayCode] ?? (relaySide ? 'RELAY_UNAVAILABLE' : 'RELAY_REJECTED');
}

/** A `refused` answer on the deposit WebSocket, which has no HTTP status. */
export function errorFromRefusal(refusal: RefusedFrame): RelayRequestError {
  return new RelayRequestError(codeFor(refusal.code, RELAY_SIDE.has(refusal.code)), `relay: ${refusal.message}`, {
    relayCode: refusal.code,
    retryAfterSeconds: refusal.retryAfter,
    ids: refusal.mailboxes ?? refusal.blobs ?? [],
  });
}

export function unavailable(message: string, cause?: unknown): RelayRequestError {
  return new RelayRequestError('RELAY_UNAVAILABLE', message, { cause });
}

export function impostor(message: string): AegeesError {
  return new AegeesError('RELAY_IDENTITY_MISMATCH', message);
}
