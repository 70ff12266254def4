// The client's mailbox session against a scripted WebSocket relay that authenticates it
// properly and then pushes binary envelope frames: well-formed ones reach `onEnvelope` byte
// for byte; a malformed one, or one pushed before authentication, closes the connection.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeEnvelopeFrame } from '../../../src/common/relay-frames.js';
import { CLOSE_CODES } from '../../../src/common/relay-protocol.js';
import { mailboxIdOf, signRelayChallenge } from '../../../src/core/crypto/mailbox.js';
import { randomBytes, signingKeyPair } from '../../../src/core/crypto/sodium.js';
import { RelayTransport, relayBaseUrl } from '../../../src/core/relay-client/http.js';
import { openMailbox, type PushedEnvelope } from '../../../src/core/relay-client/mailbox.js';

const relay = signingKeyPair();
let server: WebSocketServer | undefined;

afterEach(async () => {
  for (const ws of server?.clients ?? []) ws.terminate();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** A relay that challenges, accepts any auth, and hands the socket over once `ready` is sent. */
async function scriptedRelay(beforeChallenge?: (ws: WebSocket) => void): Promise<{ url: string; ready: Promise<WebSocket> }> {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server!.once('listening', resolve));
  const ready = new Promise<WebSocket>((resolve) => server!.once('connection', (ws, req) => {
    beforeChallenge?.(ws);
    const clientNonce = Buffer.from(new URL(req.url!, 'http://x').searchParams.get('clientNonce')!, 'hex');
    const nonce = randomBytes(32);
    const context = { relayKey: relay.publicKey, nonce, clientNonce, channelBinding: Buffer.alloc(32) };
    ws.send(JSON.stringify({
      type: 'challenge', relayKey: relay.publicKey.toString('hex'), nonce: nonce.toString('hex'), expiresAt: Date.now() + 30_000,
      signature: signRelayChallenge(context, relay.secretKey).toString('hex'),
    }));
    ws.once('message', (data) => {
      const auth = JSON.parse(String(data)) as { mailboxKey: string };
      ws.send(JSON.stringify({ type: 'ready', mailboxId: mailboxIdOf(Buffer.from(auth.mailboxKey, 'hex')).toString('hex') }));
      resolve(ws);
    });
  }));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, ready };
}

const transportFor = (url: string) => new RelayTransport(relayBaseUrl(url));

describe('mailbox session', () => {
  it('hands each binary envelope frame to onEnvelope with its exact bytes, and closes on a malformed one', async () => {
    const { url, ready } = await scriptedRelay();
    const pushed: PushedEnvelope[] = [];
    let closed: ((value: { code: number; reason: string }) => void) | undefined;
    const closedAt = new Promise<{ code: number; reason: string }>((resolve) => (closed = resolve));
    const session = await openMailbox(transportFor(url), relay.publicKey, {
      rootSecret: randomBytes(32),
      onEnvelope: (envelope) => pushed.push(envelope),
      onClose: (code, reason) => closed!({ code, reason }),
    });
    const ws = await ready;
    const envelope = randomBytes(300);
    const msgId = randomBytes(16);
    ws.send(encodeEnvelopeFrame({ msgId, expiresAt: 1_800_000_000_000, envelope }));
    const truncated = encodeEnvelopeFrame({ msgId: randomBytes(16), expiresAt: 1, envelope: randomBytes(4) }).subarray(0, 20);
    ws.send(truncated);
    expect(await closedAt).toEqual({ code: CLOSE_CODES.malformed, reason: 'malformed frame' });
    expect(pushed).toEqual([{ msgId, expiresAt: 1_800_000_000_000, envelope }]);
    await session.close();
  });

  it('refuses an envelope pushed before authentication', async () => {
    const { url } = await scriptedRelay((ws) => ws.send(encodeEnvelopeFrame({ msgId: randomBytes(16), expiresAt: 1, envelope: randomBytes(8) })));
    await expect(openMailbox(transportFor(url), relay.publicKey, { rootSecret: randomBytes(32), onEnvelope: () => undefined }))
      .rejects.toThrow(/pushed an envelope before authentication/);
  });
});
