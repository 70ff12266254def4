// Transport encryption: the main flow over HTTPS/WSS with a certificate made for the test,
// and identity pinning: a server with a valid certificate but not the expected relay key —
// another relay, or a TLS-terminating proxy in front of the right one — is refused.
import { readFileSync, rmSync } from 'node:fs';
import { connect as tlsConnect, createServer as createTlsServer, type Server } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CLOSE_CODES } from '../../../src/common/relay-protocol.js';
import { deriveMailboxKeyPair, signMailboxAuth } from '../../../src/core/crypto/mailbox.js';
import { randomBytes } from '../../../src/core/crypto/sodium.js';
import { RelayClient } from '../../../src/core/relay-client/client.js';
import { generateTestCertificate, type TestCertificate } from '../../support/certs.js';
import { connectInbox } from '../../support/relay-inbox.js';
import { RelayExitedError, spawnRelay, type RelayProcess } from '../../support/relay-process.js';
import {
  BACKENDS, backendOptions, blobIdOf, chunksOf, clientFor, inspectStore, newMailbox, newMsgId, opaque, readAll, waitForEmptyStore,
} from './harness.js';

let cert: TestCertificate;

beforeAll(() => {
  cert = generateTestCertificate();
});

afterAll(() => {
  rmSync(cert.dir, { recursive: true, force: true });
});

describe.each(BACKENDS)('HTTPS/WSS on %s', (backend) => {
  it('runs deposit → push → ack → delete, with blobs, over TLS', async () => {
    const options = await backendOptions(backend, 'tls');
    const relay = await spawnRelay({ ...options, tls: cert, flags: { 'rate-limit': 0 } });
    const store = inspectStore(relay, options);
    try {
      expect(relay.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const client = clientFor(relay, cert);
      const info = await client.fetchInfo();
      expect(info.identityKey).toBe(relay.identityKey.toString('hex'));
      const mailbox = newMailbox(relay.identityKey);
      const blob = opaque(200_000);
      await client.uploadBlob(blobIdOf(blob), blob.length, chunksOf(blob));
      const msgId = newMsgId();
      const envelope = opaque(1500);
      await client.deposit({ msgId, mailboxIds: [mailbox.id], blobIds: [blobIdOf(blob)], envelope });
      const inbox = await connectInbox(client, { rootSecret: mailbox.rootSecret, autoAck: false });
      const [pushed] = await inbox.waitForCount(1);
      expect(pushed!.envelope).toEqual(envelope);
      expect(await readAll(await client.downloadBlob(blobIdOf(blob)))).toEqual(blob);
      inbox.session.ack([msgId]);
      await waitForEmptyStore(store);
      await inbox.close();
      client.close();
    } finally {
      await store.close();
      await relay.stop();
    }
  });
});

describe('relay identity pinning over TLS', () => {
  let relay: RelayProcess;
  let impostor: RelayProcess;
  let proxy: Server;
  let proxyUrl: string;

  beforeAll(async () => {
    [relay, impostor] = await Promise.all([
      spawnRelay({ tls: cert, flags: { 'rate-limit': 0 } }),
      spawnRelay({ tls: cert, flags: { 'rate-limit': 0 } }),
    ]);
    // Terminates TLS with a valid certificate and relays the bytes to the real relay over a second TLS connection.
    const target = new URL(relay.url);
    proxy = createTlsServer({ cert: readFileSync(cert.certPath), key: readFileSync(cert.keyPath) }, (downstream) => {
      const upstream = tlsConnect({ host: target.hostname, port: Number(target.port), ca: cert.caPem });
      downstream.pipe(upstream).pipe(downstream);
      const close = () => {
        downstream.destroy();
        upstream.destroy();
      };
      downstream.on('error', close);
      upstream.on('error', close);
      downstream.on('close', close);
      upstream.on('close', close);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `https://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
    await Promise.all([relay?.stop(), impostor?.stop()]);
  });

  it('refuses a relay that presents a different identity key behind a valid certificate', async () => {
    const pinned = new RelayClient({ url: impostor.url, relayKey: relay.identityKey, ca: cert.caPem });
    const mismatch = { code: 'RELAY_IDENTITY_MISMATCH' };
    await expect(pinned.fetchInfo()).rejects.toMatchObject(mismatch);
    await expect(pinned.deposit({ msgId: newMsgId(), mailboxIds: [newMailbox(relay.identityKey).id], envelope: opaque(10) }))
      .rejects.toMatchObject(mismatch);
    const blob = opaque(1000);
    await expect(pinned.uploadBlob(blobIdOf(blob), blob.length, chunksOf(blob))).rejects.toMatchObject(mismatch);
    await expect(pinned.connectMailbox({ rootSecret: randomBytes(32), onEnvelope: () => undefined })).rejects.toMatchObject(mismatch);
    pinned.close();
  });

  it('refuses a mailbox connection through a TLS-terminating proxy, since the channel binding differs', async () => {
    const viaProxy = new RelayClient({ url: proxyUrl, relayKey: relay.identityKey, ca: cert.caPem });
    // Byte-for-byte relaying keeps the relay's signed answers valid…
    expect((await viaProxy.fetchInfo()).identityKey).toBe(relay.identityKey.toString('hex'));
    // …but the relay's challenge is bound to its own TLS session, not the client's.
    await expect(viaProxy.connectMailbox({ rootSecret: randomBytes(32), onEnvelope: () => undefined }))
      .rejects.toMatchObject({ code: 'RELAY_IDENTITY_MISMATCH' });
    viaProxy.close();
  });

  it('rejects an auth response signed without this connection’s channel binding', async () => {
    const clientNonce = randomBytes(32);
    const ws = new WebSocket(`${relay.url.replace('https', 'wss')}/v1/mailbox?clientNonce=${clientNonce.toString('hex')}`, { ca: cert.caPem });
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    const challenge = await new Promise<{ nonce: string }>((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
    const keyPair = deriveMailboxKeyPair(randomBytes(32), relay.identityKey);
    const context = { relayKey: relay.identityKey, nonce: Buffer.from(challenge.nonce, 'hex'), clientNonce, channelBinding: Buffer.alloc(32) };
    ws.send(JSON.stringify({ type: 'auth', mailboxKey: keyPair.publicKey.toString('hex'), signature: signMailboxAuth(context, keyPair).toString('hex') }));
    expect(await closed).toBe(CLOSE_CODES.authFailed);
  });

  it('refuses to serve plain HTTP on a non-loopback address', async () => {
    const error = await spawnRelay({ flags: { host: '0.0.0.0' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayExitedError);
    expect((error as RelayExitedError).code).toBe(2);
    expect((error as RelayExitedError).logs.some((line) => /plain HTTP is allowed only on loopback/.test(line.msg))).toBe(true);
  });
});
