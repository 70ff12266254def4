// The relay client's HTTP transport against a scripted local server: a kept-alive socket
// the server drops just as it is reused is retried once on a fresh socket.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayTransport, relayBaseUrl } from '../../../src/core/relay-client/http.js';

let server: Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Answers every request with {n}, but destroys a reused socket on its second request. */
async function flakyServer(): Promise<{ url: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const served = new WeakMap<Socket, number>();
  let n = 0;
  server = createServer((req, res) => {
    const count = (served.get(req.socket) ?? 0) + 1;
    served.set(req.socket, count);
    if (count === 2) {
      req.socket.destroy();
      return;
    }
    n += 1;
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ n }));
  });
  server.on('connection', (socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sockets };
}

describe('relay transport', () => {
  it('retries a request once when a reused keep-alive socket is reset', async () => {
    const { url, sockets } = await flakyServer();
    const transport = new RelayTransport(relayBaseUrl(url));
    expect((await transport.getJson('/x')).body).toEqual({ n: 1 });
    expect((await transport.getJson('/x')).body).toEqual({ n: 2 });
    expect(sockets.size).toBe(2);
    transport.close();
  });

  it('does not retry on a fresh socket', async () => {
    server = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const transport = new RelayTransport(relayBaseUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    await expect(transport.getJson('/x')).rejects.toMatchObject({ code: 'RELAY_UNAVAILABLE' });
    transport.close();
  });
});
