// Bad input against real relay processes: oversize and malformed bodies and frames are
// refused with the specified status or close code before anything is stored, slow clients
// hold bounded memory, and the relay keeps serving everyone else throughout.
import { request, type OutgoingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CLOSE_CODES, ErrorResponse } from '../../../src/common/relay-protocol.js';
import type { RelayClient } from '../../../src/core/relay-client/client.js';
import { connectInbox, type Inbox } from '../../support/relay-inbox.js';
import type { RelayProcess } from '../../support/relay-process.js';
import { waitFor } from '../../support/wait.js';
import {
  BACKENDS, blobIdOf, chunksOf, metricValue, newMailbox, newMsgId, opaque, releaseAbused, startAbusedRelay, type StoreInspector,
} from './harness.js';
import { authenticatedRawMailbox, rawMailbox, wsUrl } from './raw-mailbox.js';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

/**
 * Sends a request; with `partial`, writes only those bytes of the body and waits for the
 * relay's answer without ever finishing the body.
 */
function send(
  relay: RelayProcess,
  options: { method: string; path: string; headers?: OutgoingHttpHeaders; body?: Buffer | string; partial?: Buffer },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${relay.url}${options.path}`, { method: options.method, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON; keep the text
        }
        resolve({ status: res.statusCode!, headers: res.headers, body });
        req.destroy();
      });
    });
    req.on('error', reject);
    if (options.partial) req.write(options.partial);
    else req.end(options.body);
  });
}

function json(body: unknown): { headers: OutgoingHttpHeaders; body: string } {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }, body: text };
}

function expectRefusal(answer: Answer, status: number, code: string): void {
  expect(answer.status).toBe(status);
  const parsed = ErrorResponse.parse(answer.body);
  expect(parsed.error.code).toBe(code);
}

describe.each(BACKENDS)('bad input on %s', (backend) => {
  let relay: RelayProcess;
  let client: RelayClient;
  let store: StoreInspector;
  /** Connected before any abuse; must keep receiving. */
  let bystander: Inbox;

  beforeAll(async () => {
    ({ relay, client, store, bystander } = await startAbusedRelay(backend, 'badinput', {
      'rate-limit': 0,
      'max-envelope-bytes': 100_000,
      'max-mailboxes-per-envelope': 256,
      'max-blob-bytes': 100_000,
      'body-memory': 300_000,
      'push-window': 8,
      'push-window-bytes': 100_000,
    }));
  });

  // Whatever was thrown at it, the relay still delivers to a mailbox connected all along.
  afterAll(() => releaseAbused({ relay, client, store, bystander }));

  const validDeposit = () => ({
    msgId: newMsgId().toString('hex'),
    mailboxes: [newMailbox(relay.identityKey).id.toString('hex')],
    blobs: [],
    envelope: opaque(16).toString('base64url'),
  });

  describe('oversize data is refused with 413 before it is stored', () => {
    it('refuses a deposit whose declared length exceeds the limit without reading the body', async () => {
      const answer = await send(relay, {
        method: 'POST', path: '/v1/envelopes',
        headers: { 'Content-Type': 'application/json', 'Content-Length': 50_000_000 },
        partial: Buffer.from('{"msgId":'),
      });
      expectRefusal(answer, 413, 'TOO_LARGE');
      expect(answer.headers.connection).toBe('close');
    });

    // Sent as raw HTTP: the client library would not send these (deposit-socket.test.ts).
    it('refuses an envelope over the limit, too many mailboxes, and too many blobs', async () => {
      const over = [
        { ...validDeposit(), envelope: opaque(100_001).toString('base64url') },
        { ...validDeposit(), mailboxes: Array.from({ length: 257 }, () => newMailbox(relay.identityKey).id.toString('hex')) },
        { ...validDeposit(), blobs: Array.from({ length: 33 }, () => blobIdOf(opaque(8)).toString('hex')) },
      ];
      for (const deposit of over) expectRefusal(await send(relay, { method: 'POST', path: '/v1/envelopes', ...json(deposit) }), 413, 'TOO_LARGE');
      expect(await store.counts()).toMatchObject({ envelopes: 0, deliveries: 0 });
    });

    it('refuses an oversize blob by its declared length, with and without Expect: 100-continue', async () => {
      const big = opaque(100_001);
      await expect(client.uploadBlob(blobIdOf(big), big.length, chunksOf(big))).rejects.toMatchObject({ code: 'TOO_LARGE', relayCode: 'TOO_LARGE' });
      const answer = await send(relay, {
        method: 'PUT', path: `/v1/blobs/${blobIdOf(big).toString('hex')}`,
        headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': big.length },
        partial: big.subarray(0, 30_000),
      });
      expectRefusal(answer, 413, 'TOO_LARGE');
      expect(await store.counts()).toMatchObject({ blobs: 0, blobData: 0 });
    });

    it('stores nothing of a blob whose upload stops short or does not hash to its id', async () => {
      const blob = opaque(60_000);
      await new Promise<void>((resolve) => {
        const req = request(`${relay.url}/v1/blobs/${blobIdOf(blob).toString('hex')}`, {
          method: 'PUT', headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': blob.length },
        });
        req.on('error', () => resolve());
        req.write(blob.subarray(0, 20_000), () => setTimeout(() => req.destroy(), 50));
        req.on('close', () => resolve());
      });
      const wrong = opaque(5000);
      await expect(client.uploadBlob(blobIdOf(blob), wrong.length, chunksOf(wrong)))
        .rejects.toMatchObject({ code: 'HASH_MISMATCH', status: 400 });
      await waitFor(async () => (await store.counts()).blobData === 0, 'partial blob data to be discarded');
      expect(await store.counts()).toMatchObject({ blobs: 0, blobData: 0 });
      await expect(client.downloadBlob(blobIdOf(blob))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });

  describe('malformed requests get a clean status and a JSON error', () => {
    const cases: Array<[string, () => Parameters<typeof send>[1], number, string]> = [
      ['not JSON', () => ({ method: 'POST', path: '/v1/envelopes', ...json('{"msgId": ') }), 400, 'MALFORMED'],
      ['a JSON array', () => ({ method: 'POST', path: '/v1/envelopes', ...json([1, 2]) }), 400, 'MALFORMED'],
      ['a missing field', () => {
        const { msgId: _msgId, ...rest } = validDeposit();
        return { method: 'POST', path: '/v1/envelopes', ...json(rest) };
      }, 400, 'MALFORMED'],
      ['an unknown field', () => ({ method: 'POST', path: '/v1/envelopes', ...json({ ...validDeposit(), sender: 'me' }) }), 400, 'MALFORMED'],
      ['an uppercase message id', () => ({
        method: 'POST', path: '/v1/envelopes', ...json({ ...validDeposit(), msgId: 'AB'.repeat(16) }),
      }), 400, 'MALFORMED'],
      ['a short mailbox id', () => ({
        method: 'POST', path: '/v1/envelopes', ...json({ ...validDeposit(), mailboxes: ['ab'.repeat(31)] }),
      }), 400, 'MALFORMED'],
      ['duplicate mailboxes', () => {
        const id = 'cd'.repeat(32);
        return { method: 'POST', path: '/v1/envelopes', ...json({ ...validDeposit(), mailboxes: [id, id] }) };
      }, 400, 'MALFORMED'],
      ['no mailboxes', () => ({ method: 'POST', path: '/v1/envelopes', ...json({ ...validDeposit(), mailboxes: [] }) }), 400, 'MALFORMED'],
      ['non-canonical base64url', () => ({
        method: 'POST', path: '/v1/envelopes', ...json({ ...validDeposit(), envelope: 'abcde' }),
      }), 400, 'MALFORMED'],
      ['padded base64', () => ({ method: 'POST', path: '/v1/envelopes', ...json({ ...validDeposit(), envelope: 'aGk=' }) }), 400, 'MALFORMED'],
      ['the wrong content type', () => ({
        method: 'POST', path: '/v1/envelopes', ...json(validDeposit()),
        headers: { 'Content-Type': 'text/plain', 'Content-Length': JSON.stringify(validDeposit()).length },
      }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['a chunked body without length', () => ({
        method: 'POST', path: '/v1/envelopes',
        headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }, body: JSON.stringify(validDeposit()),
      }), 411, 'LENGTH_REQUIRED'],
      ['the wrong method', () => ({ method: 'GET', path: '/v1/envelopes' }), 405, 'METHOD_NOT_ALLOWED'],
      ['an unknown path', () => ({ method: 'GET', path: '/v2/everything' }), 404, 'NOT_FOUND'],
      ['an invalid blob id', () => ({ method: 'GET', path: '/v1/blobs/../../etc/passwd' }), 404, 'NOT_FOUND'],
      ['a short blob id', () => ({ method: 'GET', path: `/v1/blobs/${'ab'.repeat(8)}` }), 400, 'MALFORMED'],
      ['an invalid challenge', () => ({ method: 'GET', path: '/v1/info?challenge=zz' }), 400, 'MALFORMED'],
    ];

    it.each(cases)('refuses %s', async (_name, make, status, code) => {
      expectRefusal(await send(relay, make()), status, code);
      expect(await store.counts()).toMatchObject({ envelopes: 0 });
    });
  });

  describe('malformed frames close the connection with a reason', () => {
    it.each([
      ['text that is not JSON', '{"type":', 'frame is not JSON'],
      ['a binary frame', Buffer.from([1, 2, 3]), 'a client sends no binary frames on a mailbox connection'],
      ['an unknown frame type', { type: 'subscribe', all: true }, 'type: Invalid discriminator value'],
      ['an ack with a bad id', { type: 'ack', msgIds: ['nope'] }, 'msgIds.0: not 16 bytes of lowercase hex'],
      ['an empty ack', { type: 'ack', msgIds: [] }, 'msgIds'],
    ])('closes on %s with 4400', async (_name, frame, reason) => {
      const raw = await authenticatedRawMailbox(relay);
      raw.send(frame);
      const closed = await raw.closed;
      expect(closed.code).toBe(CLOSE_CODES.malformed);
      expect(closed.reason).toContain(reason);
    });

    it('closes on an ack before authentication', async () => {
      const raw = await rawMailbox(relay);
      raw.send({ type: 'ack', msgIds: [newMsgId().toString('hex')] });
      expect(await raw.closed).toEqual({ code: CLOSE_CODES.malformed, reason: 'authenticate first' });
    });

    it('closes on a frame over the size limit with 1009', async () => {
      const raw = await authenticatedRawMailbox(relay);
      raw.send(JSON.stringify({ type: 'ack', msgIds: [], pad: 'x'.repeat(20_000) }));
      expect((await raw.closed).code).toBe(1009);
    });

    it('closes a connection that floods frames with 4429', async () => {
      const raw = await authenticatedRawMailbox(relay);
      const ack = JSON.stringify({ type: 'ack', msgIds: [newMsgId().toString('hex')] });
      for (let i = 0; i < 400; i += 1) raw.send(ack);
      expect(await raw.closed).toMatchObject({ code: CLOSE_CODES.rateLimited });
    });

    it('refuses an upgrade without a valid client nonce, or on another path, with a status', async () => {
      const status = (url: string) => new Promise<number>((resolve) => {
        const ws = new WebSocket(url);
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode!);
          res.resume();
          ws.terminate();
        });
        ws.on('error', () => undefined);
      });
      expect(await status(wsUrl(relay, '?clientNonce=xyz'))).toBe(400);
      expect(await status(wsUrl(relay, ''))).toBe(400);
      expect(await status(wsUrl(relay, '').replace('/v1/mailbox', '/v1/other'))).toBe(404);
    });
  });

  describe('slow clients hold bounded memory', () => {
    it('pushes at most one window to a mailbox that neither reads nor acks', async () => {
      const raw = await authenticatedRawMailbox(relay);
      raw.ws.pause();
      const pushesBefore = await metricValue(relay, 'aegees_relay_pushes_total');
      for (let i = 0; i < 30; i += 1) await client.deposit({ msgId: newMsgId(), mailboxIds: [raw.mailboxId], envelope: opaque(20_000) });
      // Window of 100 000 bytes: five 20 000-byte envelopes, then nothing until acks.
      await waitFor(async () => (await metricValue(relay, 'aegees_relay_pushes_total')) - pushesBefore >= 5, 'the window to fill');
      // A later push to someone else is the event after which any excess push would have happened.
      const marker = await connectInbox(client);
      await client.deposit({ msgId: newMsgId(), mailboxIds: [marker.session.mailboxId], envelope: opaque(10) });
      await marker.waitForCount(1);
      expect(await metricValue(relay, 'aegees_relay_pushes_total') - pushesBefore).toBe(5 + 1);
      expect(await metricValue(relay, 'aegees_relay_push_inflight_bytes')).toBeLessThanOrEqual(100_000 + 20_000);
      raw.ws.terminate();
      await marker.close();
    });

    it('caps memory for bodies being received: past two slow uploaders a deposit is refused UNAVAILABLE until they go', async () => {
      const slow = [0, 1].map(() => request(`${relay.url}/v1/envelopes`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': 150_000 },
      }));
      for (const req of slow) {
        req.on('error', () => undefined);
        req.write('{"msgId":"');
      }
      await waitFor(async () => (await metricValue(relay, 'aegees_relay_request_body_bytes')) === 300_000, 'two reserved bodies');
      await expect(client.deposit({ msgId: newMsgId(), mailboxIds: [newMailbox(relay.identityKey).id], envelope: opaque(10) }))
        .rejects.toMatchObject({ code: 'RELAY_UNAVAILABLE', relayCode: 'UNAVAILABLE', retryAfterSeconds: 1 });
      for (const req of slow) req.destroy();
      await waitFor(async () => (await metricValue(relay, 'aegees_relay_request_body_bytes')) === 0, 'reservations released');
      expect((await client.deposit({ msgId: newMsgId(), mailboxIds: [newMailbox(relay.identityKey).id], envelope: opaque(10) })).status)
        .toBe('stored');
    });
  });
});
