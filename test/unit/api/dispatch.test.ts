import { describe, expect, it } from 'vitest';
import type { ApiHandlers } from '../../../src/common/api/contract.js';
import { dispatch } from '../../../src/common/api/dispatch.js';
import { fromApiError } from '../../../src/common/api/errors.js';
import { AegeesError } from '../../../src/common/errors.js';

// Unit test of the boundary alone: the handlers are stand-ins, the validation is real.
function handlers(overrides: Partial<ApiHandlers>): ApiHandlers {
  return new Proxy(overrides as ApiHandlers, {
    get: (target, name) => (target as Record<string | symbol, unknown>)[name] ?? (async () => { throw new Error(`unexpected call ${String(name)}`); }),
  });
}

describe('dispatch', () => {
  it('passes validated arguments and returns the validated result', async () => {
    const seen: unknown[] = [];
    const outcome = await dispatch(
      handlers({ markRead: async (args) => { seen.push(args); return { ok: true }; } }),
      'markRead',
      { conversationId: 'abc_DEF-123' },
    );
    expect(outcome).toEqual({ ok: true, result: { ok: true } });
    expect(seen).toEqual([{ conversationId: 'abc_DEF-123' }]);
  });

  it.each([
    ['unknown method', 'constructor', {}, 'UNKNOWN_METHOD'],
    ['prototype key', '__proto__', {}, 'UNKNOWN_METHOD'],
    ['non-string method', 42, {}, 'UNKNOWN_METHOD'],
    ['missing argument', 'markRead', {}, 'INVALID_ARGUMENT'],
    ['extra argument', 'markRead', { conversationId: 'a', admin: true }, 'INVALID_ARGUMENT'],
    ['bad id characters', 'markRead', { conversationId: '../etc/passwd' }, 'INVALID_ARGUMENT'],
    ['arguments not an object', 'markRead', 'x', 'INVALID_ARGUMENT'],
    ['empty message', 'sendMessage', { conversationId: 'a', text: '   ' }, 'INVALID_ARGUMENT'],
    ['relay URL with a script scheme', 'addRelay', { url: 'javascript:alert(1)', identityKey: '0'.repeat(64) }, 'INVALID_ARGUMENT'],
  ])('rejects %s with a typed error before any handler runs', async (_label, method, args, code) => {
    const outcome = await dispatch(handlers({}), method, args);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.code).toBe(code);
  });

  it('passes an AegeesError through by code and message, and hides anything else', async () => {
    const typed = await dispatch(handlers({ listContacts: async () => { throw new AegeesError('NOT_FOUND', 'no such contact'); } }), 'listContacts', {});
    expect(typed).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'no such contact' } });
    const raw = await dispatch(handlers({ listContacts: async () => { throw new Error('/home/user/secret path'); } }), 'listContacts', {});
    expect(raw).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'internal error' } });
  });

  it('refuses a handler result that breaks the contract', async () => {
    const outcome = await dispatch(handlers({ listContacts: async () => [{ accountId: 1 }] as never }), 'listContacts', {});
    expect(outcome).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('rebuilds a typed error on the calling side, and a malformed one as INTERNAL', () => {
    expect(fromApiError({ code: 'NOT_FOUND', message: 'gone' })).toMatchObject({ code: 'NOT_FOUND', message: 'gone' });
    expect(fromApiError({ code: 'NOPE' }).code).toBe('INTERNAL');
  });
});
