import { isAegeesError } from '../../../src/common/errors.js';

/** A plain copy, so equality ignores the guarded-memory marker on sodium buffers. */
export function plain(buffer: Buffer | undefined): Buffer | undefined {
  return buffer && Buffer.from(buffer);
}

/** True for buffers sodium-native allocated in guarded memory. */
export function isSecure(buffer: Buffer | undefined): boolean {
  return (buffer as (Buffer & { secure?: boolean }) | undefined)?.secure === true;
}

/** The AegeesError code the promise rejects with, or undefined when it resolves. */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (isAegeesError(error)) return error.code;
    throw error;
  }
  return undefined;
}
