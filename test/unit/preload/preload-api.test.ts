import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { toAegeesError } from '../../../src/common/api/transport.js';
import { createPreloadApi } from '../../../src/preload/api.js';

// ipcRenderer stand-in: invoke answers what the main process's dispatch would.
function fakeIpc(answer: (channel: string, args: unknown) => unknown) {
  const emitter = new EventEmitter();
  const invoked: [string, unknown][] = [];
  const ipc = {
    invoke: async (channel: string, args: unknown) => (invoked.push([channel, args]), answer(channel, args)),
    on: (channel: string, listener: (...args: unknown[]) => void) => (emitter.on(channel, listener), ipc),
    removeListener: (channel: string, listener: (...args: unknown[]) => void) => (emitter.removeListener(channel, listener), ipc),
  };
  return { ipc: ipc as never, emitter, invoked };
}

describe('preload API', () => {
  it('invokes the method channel and returns the validated result', async () => {
    const { ipc, invoked } = fakeIpc(() => ({ ok: true, result: { ok: true } }));
    await expect(createPreloadApi(ipc).call('markRead', { conversationId: 'c1' })).resolves.toEqual({ ok: true });
    expect(invoked).toEqual([['aegees:call:markRead', { conversationId: 'c1' }]]);
  });

  it('rejects with an error the renderer turns back into the typed AegeesError', async () => {
    const { ipc } = fakeIpc(() => ({ ok: false, error: { code: 'NOT_FOUND', message: 'gone' } }));
    const failure = await createPreloadApi(ipc).call('listContacts', {}).catch((error: unknown) => error);
    // contextBridge keeps only the message of an Error; the code must survive in it.
    const copied = new Error((failure as Error).message);
    expect(toAegeesError(copied)).toMatchObject({ code: 'NOT_FOUND', message: 'gone' });
  });

  it('refuses a result outside the contract and a method outside it', async () => {
    const { ipc, invoked } = fakeIpc(() => ({ ok: true, result: [{ accountId: 1 }] }));
    const api = createPreloadApi(ipc);
    expect(toAegeesError(await api.call('listContacts', {}).catch((e: unknown) => e)).code).toBe('MALFORMED');
    expect(toAegeesError(await api.call('__proto__' as never, {} as never).catch((e: unknown) => e)).code).toBe('UNKNOWN_METHOD');
    expect(invoked.map(([channel]) => channel)).toEqual(['aegees:call:listContacts']);
  });

  it('passes valid event payloads, without the IPC event object, and drops invalid ones', () => {
    const { ipc, emitter } = fakeIpc(() => undefined);
    const received: unknown[][] = [];
    const off = createPreloadApi(ipc).on('relaysChanged', (...args: unknown[]) => received.push(args));
    emitter.emit('aegees:event:relaysChanged', { sender: 'secret' }, []);
    emitter.emit('aegees:event:relaysChanged', { sender: 'secret' }, [{ url: 'javascript:alert(1)' }]);
    off();
    emitter.emit('aegees:event:relaysChanged', { sender: 'secret' }, []);
    expect(received).toEqual([[[]]]);
  });
});
