// The one interface the rest of the app uses for a profile's secrets, whichever backend
// (OS keychain or passphrase vault) holds them.
import { AegeesError } from '../../common/errors.js';

export type SecretStoreKind = 'os-keychain' | 'passphrase-vault';

/**
 * Named binary secrets of one profile. Values returned by `get` are in libsodium's
 * guarded memory; the caller wipes them when done.
 */
export interface SecretStore {
  readonly kind: SecretStoreKind;
  get(name: string): Promise<Buffer | undefined>;
  set(name: string, value: Uint8Array): Promise<void>;
  /** Resolves true when a secret of that name existed. */
  delete(name: string): Promise<boolean>;
  /** Wipes any key material the store holds; later calls throw. */
  close(): void;
}

// Names end up in keychain account strings and in the vault's one-byte length field, so
// they are short, lower-case and free of the separator used in account strings.
const SECRET_NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Keychains are made for small secrets; large values belong in the encrypted store. */
export const MAX_SECRET_BYTES = 16 * 1024;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

export function checkSecretName(name: string): void {
  if (!isSecretName(name)) {
    throw new AegeesError('INVALID_ARGUMENT', `secret name must match ${SECRET_NAME.source}, got ${JSON.stringify(name)}`);
  }
}

export function checkSecretValue(value: Uint8Array): void {
  if (!(value instanceof Uint8Array)) throw new AegeesError('INVALID_ARGUMENT', 'secret value must be bytes');
  if (value.length === 0) throw new AegeesError('INVALID_ARGUMENT', 'secret value must not be empty');
  if (value.length > MAX_SECRET_BYTES) {
    throw new AegeesError('TOO_LARGE', `secret value is ${value.length} bytes; the limit is ${MAX_SECRET_BYTES}`);
  }
}

export function storeClosedError(): AegeesError {
  return new AegeesError('INVALID_ARGUMENT', 'the secret store was closed');
}
