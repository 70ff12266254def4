// The receiving side of every transport: validates the method name and arguments against
// the contract before a handler runs, and the result before it leaves.
import { AegeesError } from '../errors.js';
import { METHODS, type ApiHandlers, type MethodName } from './contract.js';
import { toApiError, type ApiErrorPayload } from './errors.js';

export type DispatchOutcome = { ok: true; result: unknown } | { ok: false; error: ApiErrorPayload };

export function isMethodName(value: unknown): value is MethodName {
  return typeof value === 'string' && Object.hasOwn(METHODS, value);
}

export async function dispatch(handlers: ApiHandlers, method: unknown, args: unknown): Promise<DispatchOutcome> {
  try {
    if (!isMethodName(method)) throw new AegeesError('UNKNOWN_METHOD', `unknown method ${JSON.stringify(String(method)).slice(0, 80)}`);
    const schema = METHODS[method];
    const parsed = schema.input.safeParse(args ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
      throw new AegeesError('INVALID_ARGUMENT', `${method}: ${where}${issue?.message ?? 'invalid arguments'}`);
    }
    const handler = handlers[method] as (input: unknown) => Promise<unknown>;
    const result = schema.output.parse(await handler(parsed.data));
    return { ok: true, result };
  } catch (error) {
    return { ok: false, error: toApiError(error) };
  }
}
