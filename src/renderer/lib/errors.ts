import type { ErrorCode } from '../../common/errors.js';
import { toAegeesError } from '../../common/api/transport.js';

// Plain words for each failure, so the person knows what happened and what to do; the
// detail from the other side follows when it adds something.
const PLAIN: Partial<Record<ErrorCode, string>> = {
  KEYCHAIN_UNAVAILABLE: 'The system keychain cannot be reached.',
  KEYCHAIN_NOT_FOUND: 'Your keys were not found in the system keychain.',
  KEYCHAIN_FAILED: 'The system keychain refused the request.',
  WRONG_PASSPHRASE: 'That passphrase is not right.',
  PASSPHRASE_REQUIRED: 'A passphrase is needed.',
  INVALID_ARGUMENT: 'That input is not valid.',
  NOT_FOUND: 'That no longer exists.',
  TOO_LARGE: 'That is too large.',
  MALFORMED: 'The data is damaged or not what was expected.',
  UNSUPPORTED_VERSION: 'This comes from a newer version of Aegees.',
  BAD_SIGNATURE: 'A signature did not check out; the data may have been tampered with.',
  DECRYPT_FAILED: 'This could not be decrypted.',
  INTERNAL: 'Something went wrong.',
};

export function describeError(error: unknown): string {
  const typed = toAegeesError(error);
  const plain = PLAIN[typed.code] ?? 'Something went wrong.';
  const detail = typed.message && typed.message !== 'internal error' ? typed.message : '';
  return detail ? `${plain} (${detail})` : plain;
}
