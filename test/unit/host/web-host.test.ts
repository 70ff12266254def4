import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiHandlers, Message } from '../../../src/common/api/contract.js';
import { WIRE_PATH, WIRE_PROTOCOL, WIRE_TOKEN_PREFIX } from '../../../src/common/api/wire.js';
import { AegeesError } from '../../../src/common/errors.js';
import { startWebHost, type WebHost } from '../../../src/host/web-host.js';
import { createWsClient, type SocketLike } from '../../../src/renderer/api/ws-client.js';

// The host is real (HTTP server, WebSocket, validation); the handlers behind it are stand-ins.
const seen: unknown[] = [];
const handlers = new Proxy({} as ApiHandlers, {
  get: (_target, name) => {
    if (name === 'markRead') return async (args: unknown) => (seen.push(args), { ok: true });
    if (name === 'sendMessage') return async (args: { attachments: { data: Uint8Array }[] }) => (seen.push(args), sampleMessage(args.attachments[0]!.data.length));
    // A Node Buffer, as an engine reading a file would return.
    if (name === 'getAttachmentData') return async () => ({ name: 'all-bytes.bin', mime: 'application/octet-stream', data: Buffer.from(ALL_BYTES) });
    if (name === 'listContacts') return async () => { throw new AegeesError('KEYCHAIN_UNAVAILABLE', 'no keychain'); };
    return async () => { throw new Error(`unexpected call ${String(name)}`); };
  },
});
const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);

let dir: string;
let events: EventEmitter;
let host: WebHost;
const open: WebSocket[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aegees-host-'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>t</title>');
  events = new EventEmitter();
  host = await startWebHost({ handlers, events, staticDir: dir, maxFrameBytes: 64 * 1024 });
});
afterEach(() => {
  for (const socket of open.splice(0)) socket.terminate();
  seen.length = 0;
});
afterAll(async () => {
  await host.close();
  await rm(dir, { recursive: true, force: true });
});

function connect(options: { token?: string | null; origin?: string | null; path?: string } = {}): WebSocket {
  const token = options.token === undefined ? host.token : options.token;
  const protocols = token === null ? [WIRE_PROTOCOL] : [WIRE_PROTOCOL, WIRE_TOKEN_PREFIX + token];
  const headers: Record<string, string> = {};
  const origin = options.origin === undefined ? host.origin : options.origin;
  if (origin !== null) headers.origin = origin;
  const socket = new WebSocket(`ws://127.0.0.1:${host.port}${options.path ?? WIRE_PATH}`, protocols, { headers });
  open.push(socket);
  return socket;
}

function refusal(socket: WebSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
    socket.on('open', () => reject(new Error('connection was accepted')));
    socket.on('error', () => {});
  });
}

function opened(socket: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
}

function nextFrame(socket: WebSocket): Promise<unknown> {
  return new Promise((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))));
}

/** The renderer's own client, connected from Node with our Origin, as the page would be. */
function client() {
  return createWsClient({
    url: `ws://127.0.0.1:${host.port}${WIRE_PATH}`,
    token: host.token,
    connect: (url, protocols) => {
      const socket = new WebSocket(url, protocols, { headers: { origin: host.origin } });
      open.push(socket);
      return socket as unknown as SocketLike;
    },
  });
}

function httpGet(path: string, hostHeader = `127.0.0.1:${host.port}`): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: host.port, path, headers: { host: hostHeader } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function sampleMessage(size: number): Message {
  return {
    id: 'm1',
    conversationId: 'c1',
    senderAccountId: 'a1',
    senderName: 'Me',
    fromMe: true,
    sentAt: 1,
    receivedAt: 1,
    text: 'hi',
    attachments: [{ id: 'f1', name: 'all-bytes.bin', mime: 'application/octet-stream', size, state: 'uploading', transferred: 0 }],
    status: { state: 'queued', storedOn: [], deliveredTo: [], readBy: [] },
  };
}

describe('web host: who may connect', () => {
  it('listens on 127.0.0.1 only and hands out the token in the URL fragment', () => {
    expect(host.origin).toBe(`http://127.0.0.1:${host.port}`);
    expect(host.url).toBe(`${host.origin}/#token=${host.token}`);
    expect(host.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it.each([
    ['a missing token', { token: null }, 401],
    ['a wrong token', { token: 'A'.repeat(43) }, 401],
    ['a token of the wrong length', { token: 'short' }, 401],
    ['a foreign Origin', { origin: 'http://evil.example' }, 403],
    ['the right host on another port', { origin: 'http://127.0.0.1:1' }, 403],
    ['a localhost Origin (not the origin the host serves)', { origin: `http://localhost:1` }, 403],
    ['no Origin at all', { origin: null }, 403],
    ['another path', { path: '/other' }, 404],
  ])('refuses %s', async (_label, options, status) => {
    expect(await refusal(connect(options))).toBe(status);
  });

  it('accepts our page with the token and selects only the API subprotocol', async () => {
    const socket = connect();
    await opened(socket);
    expect(socket.protocol).toBe(WIRE_PROTOCOL);
  });

  it('serves the bundle with a strict CSP, and nothing outside it', async () => {
    const page = await httpGet('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain(`connect-src ws://127.0.0.1:${host.port}`);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect((await httpGet('/../../etc/passwd')).status).toBe(404);
    expect((await httpGet('/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
    // DNS rebinding: the right address under a foreign name.
    expect((await httpGet('/', `evil.example:${host.port}`)).status).toBe(421);
  });
});

describe('web host: frames', () => {
  it('answers malformed frames with a typed error and keeps serving the same connection', async () => {
    const socket = connect();
    await opened(socket);
    const cases: [string | Buffer, unknown][] = [
      ['not json', { t: 'error', error: { code: 'MALFORMED' } }],
      ['[1,2]', { t: 'error', error: { code: 'MALFORMED' } }],
      [JSON.stringify({ t: 'call', id: 7, method: 'markRead' }), { t: 'fail', id: 7, error: { code: 'MALFORMED' } }],
      [JSON.stringify({ t: 'call', id: 8, method: 42, args: {} }), { t: 'fail', id: 8, error: { code: 'MALFORMED' } }],
      [JSON.stringify({ t: 'call', id: 9, method: 'markRead', args: { conversationId: { $bytes: '!!!' } } }), { t: 'error', error: { code: 'MALFORMED' } }],
      [JSON.stringify({ t: 'call', id: 10, method: 'markRead', args: { $bytes: 'AA==', x: 1 } }), { t: 'error', error: { code: 'MALFORMED' } }],
      [JSON.stringify({ t: 'call', id: 11, method: 'dropTables', args: {} }), { t: 'fail', id: 11, error: { code: 'UNKNOWN_METHOD' } }],
      [JSON.stringify({ t: 'call', id: 12, method: 'markRead', args: { conversationId: '../x' } }), { t: 'fail', id: 12, error: { code: 'INVALID_ARGUMENT' } }],
      [Buffer.from([1, 2, 3]), { t: 'error', error: { code: 'MALFORMED' } }],
    ];
    for (const [frame, expected] of cases) {
      const reply = nextFrame(socket);
      socket.send(frame, { binary: Buffer.isBuffer(frame) });
      expect(await reply).toMatchObject(expected as object);
    }
    const reply = nextFrame(socket);
    socket.send(JSON.stringify({ t: 'call', id: 13, method: 'markRead', args: { conversationId: 'c1' } }));
    expect(await reply).toEqual({ t: 'ok', id: 13, result: { ok: true } });
    expect(seen).toEqual([{ conversationId: 'c1' }]);
  });

  it('closes a connection that sends an oversized frame, with a reason, and serves the next one', async () => {
    const socket = connect();
    await opened(socket);
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ t: 'call', id: 1, method: 'markRead', args: { conversationId: 'x'.repeat(100_000) } }));
    expect(await closed).toBe(1009);
    const api = client();
    await expect(api.call('markRead', { conversationId: 'c2' })).resolves.toEqual({ ok: true });
    api.close();
  });

  it('round-trips bytes both ways through the renderer client', async () => {
    const api = client();
    const sent = await api.call('sendMessage', { conversationId: 'c1', text: 'hi', attachments: [{ name: 'all-bytes.bin', mime: 'application/octet-stream', data: ALL_BYTES }] });
    expect(sent.attachments[0]!.size).toBe(256);
    const received = (seen[0] as { attachments: { data: unknown }[] }).attachments[0]!.data;
    expect(received).toBeInstanceOf(Uint8Array);
    expect([...(received as Uint8Array)]).toEqual([...ALL_BYTES]);
    const file = await api.call('getAttachmentData', { messageId: 'm1', attachmentId: 'f1' });
    expect(file.data).toBeInstanceOf(Uint8Array);
    expect([...file.data]).toEqual([...ALL_BYTES]);
    api.close();
  });

  it('gives the caller a typed error from the handler', async () => {
    const api = client();
    await expect(api.call('listContacts', {})).rejects.toMatchObject({ code: 'KEYCHAIN_UNAVAILABLE', message: 'no keychain' });
    api.close();
  });
});

describe('web host: events', () => {
  it('forwards valid events and drops ones that break the contract', async () => {
    const api = client();
    await api.call('markRead', { conversationId: 'c1' });
    const received: unknown[] = [];
    const done = new Promise<void>((resolve) =>
      api.on('devicesChanged', (devices) => {
        received.push(devices);
        if (received.length === 2) resolve();
      }),
    );
    events.emit('devicesChanged', [{ deviceId: 'd1', name: 'Laptop', current: true, linkedAt: 1 }]);
    events.emit('devicesChanged', [{ deviceId: '../bad', name: 'Laptop', current: true, linkedAt: 1 }]);
    events.emit('devicesChanged', 'not a list');
    events.emit('devicesChanged', [{ deviceId: 'd2', name: 'Phone', current: false, linkedAt: 2 }]);
    await done;
    expect(received).toEqual([
      [{ deviceId: 'd1', name: 'Laptop', current: true, linkedAt: 1 }],
      [{ deviceId: 'd2', name: 'Phone', current: false, linkedAt: 2 }],
    ]);
    api.close();
  });

  it('stops listening to the engine when closed', async () => {
    const extra = await startWebHost({ handlers, events, staticDir: dir });
    expect(events.listenerCount('messageAdded')).toBe(2);
    await extra.close();
    expect(events.listenerCount('messageAdded')).toBe(1);
  });
});
