// One error type for every boundary, with a machine-readable code, so callers (UI, IPC,
// CLI, relay clients) can branch on what went wrong without parsing messages.

export const ERROR_CODES = [
  // Decoding: bytes that are not a valid encoding of the expected structure.
  'MALFORMED',
  'UNSUPPORTED_VERSION',
  'WRONG_TYPE',
  'TOO_LARGE',
  // Authenticity and confidentiality.
  'BAD_SIGNATURE',
  'DECRYPT_FAILED',
  'NOT_A_RECIPIENT',
  'KEY_COMMITMENT_MISMATCH',
  'STREAM_TRUNCATED',
  'HASH_MISMATCH',
  'UNKNOWN_SENDER',
  // A signed object older than one already accepted (device list rollback or equivocation).
  'ROLLBACK',
  // Keys and secrets.
  'KEYCHAIN_UNAVAILABLE',
  'KEYCHAIN_NOT_FOUND',
  'WRONG_PASSPHRASE',
  'PASSPHRASE_REQUIRED',
  'KEYCHAIN_FAILED',
  // The encrypted local store.
  'STORE_WRONG_KEY',
  'STORE_KEY_MISSING',
  'STORE_CORRUPT',
  // A restore's target folder already holds a profile (or anything else): never overwritten.
  'PROFILE_EXISTS',
  // Input validation at an API boundary.
  'INVALID_ARGUMENT',
  'UNKNOWN_METHOD',
  'NOT_FOUND',
  // Storage relays, as seen by the relay client.
  'RELAY_UNAVAILABLE',
  'RELAY_IDENTITY_MISMATCH',
  'RELAY_REJECTED',
  'RATE_LIMITED',
  'QUOTA_EXCEEDED',
  'CONFLICT',
  'AUTH_FAILED',
  // Anything unexpected; the detail stays in the log of the process that saw it.
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class AegeesError extends Error {
  override readonly name = 'AegeesError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isAegeesError(value: unknown, code?: ErrorCode): value is AegeesError {
  return value instanceof AegeesError && (code === undefined || value.code === code);
}
