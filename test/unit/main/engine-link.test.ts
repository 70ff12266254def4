// The engine link between main and the engine process, over a real child process and
// Node's IPC channel with structured-clone serialization (the development transport; a
// packaged app carries the same frames over Electron's utility-process port). The engine
// side here is scripted (fixtures/scripted-engine.ts); engine-process.test.ts runs the real one.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { isAegeesError } from '../../../src/common/errors.js';
import { spawnNodeEngine, startEngine, type EngineHandle } from '../../../src/main/engine-process.js';

const SCRIPTED = fileURLToPath(new URL('./fixtures/scripted-engine.ts', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'aegees-engine-link-'));
const started: EngineHandle[] = [];
let count = 0;

function start(mode?: 'hang') {
  const marker = join(root, `closed-${count++}`);
  const logs: string[] = [];
  const onUnexpectedExit = vi.fn();
  const proc = spawnNodeEngine({ node: process.execPath, execArgv: ['--import', 'tsx'], entry: SCRIPTED, args: mode ? [marker, mode] : [marker] });
  const engine = startEngine(proc, (message) => logs.push(message), onUnexpectedExit);
  started.push(engine);
  return { engine, proc, marker, logs, onUnexpectedExit };
}

afterEach(async () => {
  for (const engine of started.splice(0)) await engine.shutdown(5_000);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('engine link', () => {
  it('carries bytes both ways as Uint8Array, unchanged', async () => {
    const { engine } = start();
    const bytes = new Uint8Array(randomBytes(1024 * 1024));
    // The engine's dispatch checks `data instanceof Uint8Array`: a JSON channel would fail here.
    const sent = await engine.client.handlers.sendMessage({ conversationId: 'c1', text: '', attachments: [{ name: 'a.bin', mime: 'application/octet-stream', data: bytes }] });
    expect(sent.attachments[0]!.size).toBe(bytes.length);
    const file = await engine.client.handlers.getAttachmentData({ messageId: 'm1', attachmentId: '1' });
    expect(file.data).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(file.data).equals(Buffer.from(bytes))).toBe(true);
  });

  it("brings the engine's typed error back as an AegeesError", async () => {
    const { engine } = start();
    const error = await engine.client.handlers.listContacts({}).catch((failure: unknown) => failure);
    expect(isAegeesError(error, 'NOT_FOUND')).toBe(true);
    expect((error as Error).message).toBe('no such contact book');
  });

  it('validates arguments in the engine process too, whoever sent them', async () => {
    const { engine } = start();
    const error = await engine.client.handlers.createAccount({ displayName: '   ' }).catch((failure: unknown) => failure);
    expect(isAegeesError(error, 'INVALID_ARGUMENT')).toBe(true);
    await expect(engine.client.handlers.createAccount({ displayName: 'Ada' })).resolves.toMatchObject({ displayName: 'Ada' });
  });

  it('forwards contract events and drops payloads outside the contract', async () => {
    const { engine, logs } = start();
    const seen: string[] = [];
    engine.client.events.on('messageAdded', () => seen.push('messageAdded'));
    engine.client.events.on('progress', () => seen.push('progress'));
    // Frames arrive in order: both events are handled before the call's answer.
    await engine.client.handlers.markRead({ conversationId: 'c1' });
    expect(seen).toEqual(['progress']);
    expect(logs).toContain('engine event breaks the contract');
  });

  it('answers a frame outside the protocol with an error frame and keeps serving', async () => {
    const { engine, proc, logs } = start();
    proc.link.send({ t: 'call', id: -1, method: 'markRead', args: {} });
    proc.link.send({ t: 'eval', code: 'process.exit()' });
    await expect(engine.client.handlers.markRead({ conversationId: 'c1' })).resolves.toEqual({ ok: true });
    expect(logs.filter((line) => line === 'engine refused a frame')).toHaveLength(2);
  });

  it('shuts down on request: the service closes, then the process exits with 0', async () => {
    const { engine, marker, onUnexpectedExit } = start();
    await engine.client.handlers.markRead({ conversationId: 'c1' });
    await expect(engine.shutdown(30_000)).resolves.toBe(0);
    expect(existsSync(marker)).toBe(true);
    expect(onUnexpectedExit).not.toHaveBeenCalled();
    const late = await engine.client.handlers.markRead({ conversationId: 'c1' }).catch((failure: unknown) => failure);
    expect(isAegeesError(late, 'INTERNAL')).toBe(true);
  });

  it('stops an engine that does not close within the grace period', async () => {
    const { engine, marker } = start('hang');
    await engine.client.handlers.markRead({ conversationId: 'c1' });
    await expect(engine.shutdown(200)).resolves.toBeNull();
    expect(existsSync(marker)).toBe(false);
  });

  it('fails pending and later calls when the engine dies, and reports it', async () => {
    const { engine, onUnexpectedExit } = start();
    const pending = engine.client.handlers.revokeDevice({ deviceId: 'dd' }).catch((failure: unknown) => failure);
    expect(isAegeesError(await pending, 'INTERNAL')).toBe(true);
    await vi.waitFor(() => expect(onUnexpectedExit).toHaveBeenCalledWith(3));
    const later = await engine.client.handlers.listContacts({}).catch((failure: unknown) => failure);
    expect((later as Error).message).toMatch(/engine process stopped/);
  });
});
