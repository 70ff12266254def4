// How an AegeesError crosses a transport: only its code and message, never a stack or cause.
import { z } from 'zod';
import { AegeesError, ERROR_CODES, type ErrorCode } from '../errors.js';

export const ApiErrorPayload = z.object({ code: z.enum(ERROR_CODES), message: z.string() });
export type ApiErrorPayload = z.infer<typeof ApiErrorPayload>;

/** Turns anything thrown by a handler into a payload safe to send to the UI. */
export function toApiError(error: unknown): ApiErrorPayload {
  if (error instanceof AegeesError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: 'internal error' };
}

export function fromApiError(payload: unknown): AegeesError {
  const parsed = ApiErrorPayload.safeParse(payload);
  const code: ErrorCode = parsed.success ? parsed.data.code : 'INTERNAL';
  return new AegeesError(code, parsed.success ? parsed.data.message : 'malformed error from the other side');
}
