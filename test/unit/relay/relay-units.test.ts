// The relay's small pure parts: configuration from flags and environment, token buckets,
// the wire schemas, and the client's URL policy and error mapping.
import { describe, expect, it } from 'vitest';
import { ClientFrame, DepositAnswerFrame, DepositRequest, RelayInfoDocument } from '../../../src/common/relay-protocol.js';
import { errorFromRefusal, errorFromResponse } from '../../../src/core/relay-client/errors.js';
import { relayBaseUrl } from '../../../src/core/relay-client/http.js';
import { isLoopbackHost, parseRelayConfig } from '../../../src/relay/config.js';
import { TokenBuckets } from '../../../src/relay/rate-limit.js';

describe('relay configuration', () => {
  it('reads flags and environment variables, flags first, with defaults', () => {
    const config = parseRelayConfig(['--port', '9000', '--data', '/tmp/x'], {
      AEGEES_RELAY_PORT: '1',
      AEGEES_RELAY_MAX_BLOB_BYTES: '5000',
      AEGEES_RELAY_ENVELOPE_TTL: '0.5',
    });
    expect(config).toMatchObject({ port: 9000, data: '/tmp/x', maxBlobBytes: 5000, envelopeTtl: 0.5, host: '127.0.0.1', rateLimit: 20 });
  });

  it.each([
    [['--port', '9000'], /--data DIR.*--database-url/],
    [['--data', '/x', '--port', 'http'], /--port/],
    [['--data', '/x', '--tls-cert', 'c.pem'], /--tls-cert and --tls-key go together/],
    [['--data', '/x', '--database-url', 'mysql://x'], /--database-url: must be a postgres/],
    [['--data', '/x', '--colour', 'blue'], /Unknown option '--colour'/],
    [['--data', '/x', '--max-mailboxes-per-envelope', '5000'], /--max-mailboxes-per-envelope/],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => parseRelayConfig(argv, {})).toThrow(message);
  });

  it('needs an identity key file or a data directory with PostgreSQL', () => {
    expect(() => parseRelayConfig(['--database-url', 'postgres://h/db'], {})).toThrow(/--identity-key FILE or --data DIR/);
    expect(parseRelayConfig(['--database-url', 'postgres://h/db', '--identity-key', '/k'], {}).identityKey).toBe('/k');
  });

  it('knows loopback hosts', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopbackHost)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', 'relay.example', '::'].some(isLoopbackHost)).toBe(false);
  });
});

describe('token buckets', () => {
  it('allow a burst, then refill at the rate, per key', () => {
    let now = 0;
    const buckets = new TokenBuckets(2, 3, () => now);
    expect([buckets.take('a'), buckets.take('a'), buckets.take('a')]).toEqual([0, 0, 0]);
    expect(buckets.take('a')).toBeCloseTo(0.5);
    expect(buckets.take('b')).toBe(0);
    now += 500;
    expect(buckets.take('a')).toBe(0);
    expect(buckets.take('a')).toBeGreaterThan(0);
  });

  it('forget refilled buckets and can be disabled', () => {
    let now = 0;
    const buckets = new TokenBuckets(1, 1, () => now);
    buckets.take('a');
    buckets.prune();
    expect(buckets.size).toBe(1);
    now += 1000;
    buckets.prune();
    expect(buckets.size).toBe(0);
    const off = new TokenBuckets(0, 0);
    expect(Array.from({ length: 100 }, () => off.take('x')).every((wait) => wait === 0)).toBe(true);
  });
});

describe('wire schemas', () => {
  const deposit = { msgId: 'ab'.repeat(16), mailboxes: ['cd'.repeat(32)], blobs: [], envelope: 'aGVsbG8' };

  it('accept a well-formed deposit and refuse variations', () => {
    expect(DepositRequest.safeParse(deposit).success).toBe(true);
    for (const bad of [
      { ...deposit, msgId: 'AB'.repeat(16) },
      { ...deposit, mailboxes: [] },
      { ...deposit, mailboxes: ['cd'.repeat(32), 'cd'.repeat(32)] },
      { ...deposit, envelope: 'aGVsbG8=' },
      { ...deposit, envelope: '' },
      { ...deposit, extra: 1 },
      { msgId: deposit.msgId, mailboxes: deposit.mailboxes, envelope: deposit.envelope },
    ]) expect(DepositRequest.safeParse(bad).success).toBe(false);
  });

  it('accept deposit answers that list 1–256 deposits under one receipt, and refusals with known codes', () => {
    const one = { id: 1, status: 'stored', msgId: deposit.msgId, expiresAt: 5, digest: 'cd'.repeat(32) };
    const answer = { type: 'deposited', answers: [one, { ...one, id: 2, status: 'duplicate' }], receipt: 'ab'.repeat(64) };
    expect(DepositAnswerFrame.safeParse(answer).success).toBe(true);
    expect(DepositAnswerFrame.safeParse({ ...answer, receipt: undefined }).success).toBe(false);
    expect(DepositAnswerFrame.safeParse({ ...answer, answers: [] }).success).toBe(false);
    expect(DepositAnswerFrame.safeParse({ ...answer, answers: Array.from({ length: 257 }, (_, id) => ({ ...one, id })) }).success).toBe(false);
    expect(DepositAnswerFrame.safeParse({ ...answer, answers: [{ ...one, digest: undefined }] }).success).toBe(false);
    expect(DepositAnswerFrame.safeParse({ type: 'deposited', ...one, receipt: 'ab'.repeat(64) }).success).toBe(false);
    expect(DepositAnswerFrame.safeParse({ type: 'refused', id: 1, code: 'CONFLICT', message: 'm' }).success).toBe(true);
    expect(DepositAnswerFrame.safeParse({ type: 'refused', id: 1, code: 'NOPE', message: 'm' }).success).toBe(false);
    expect(DepositAnswerFrame.safeParse({ type: 'refused', id: 1, code: 'RATE_LIMITED', message: 'm', retryAfter: 0 }).success).toBe(false);
  });

  it('refuse client frames outside the protocol', () => {
    expect(ClientFrame.safeParse({ type: 'ack', msgIds: ['ab'.repeat(16)] }).success).toBe(true);
    expect(ClientFrame.safeParse({ type: 'ack', msgIds: Array(257).fill('ab'.repeat(16)) }).success).toBe(false);
    expect(ClientFrame.safeParse({ type: 'auth', mailboxKey: 'ab'.repeat(32), signature: 'ab'.repeat(63) }).success).toBe(false);
    expect(ClientFrame.safeParse({ type: 'envelope' }).success).toBe(false);
  });

  it('refuse an information document of another protocol version', () => {
    const document = {
      protocol: 'aegees-relay', version: 2, software: 'x', identityKey: 'ab'.repeat(32), time: 1,
      limits: {}, ttls: {},
    };
    expect(RelayInfoDocument.safeParse(document).success).toBe(false);
  });
});

describe('relay client policy', () => {
  it('allows plain HTTP only on loopback', () => {
    expect(relayBaseUrl('https://relay.example:8443/').href).toBe('https://relay.example:8443/');
    expect(relayBaseUrl('http://127.0.0.1:8787').href).toBe('http://127.0.0.1:8787/');
    expect(relayBaseUrl('http://[::1]:8787').protocol).toBe('http:');
    expect(() => relayBaseUrl('http://relay.example')).toThrow(/https/);
    expect(() => relayBaseUrl('ftp://relay.example')).toThrow(/https/);
    expect(() => relayBaseUrl('not a url')).toThrow(/not a relay URL/);
  });

  it('maps relay refusals to error codes a caller can act on', () => {
    const error = (code: string, status: number, extra = {}) =>
      errorFromResponse(status, { error: { code, message: 'm', ...extra } }, status === 429 ? '7' : undefined);
    expect(error('RATE_LIMITED', 429)).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 7 });
    expect(error('MAILBOX_FULL', 507, { mailboxes: ['ab'.repeat(32)] })).toMatchObject({ code: 'QUOTA_EXCEEDED', ids: ['ab'.repeat(32)] });
    expect(error('UNKNOWN_BLOB', 409, { blobs: [] })).toMatchObject({ code: 'CONFLICT', relayCode: 'UNKNOWN_BLOB' });
    expect(error('TOO_LARGE', 413)).toMatchObject({ code: 'TOO_LARGE' });
    expect(error('BLOB_CORRUPT', 500)).toMatchObject({ code: 'RELAY_UNAVAILABLE' });
    expect(error('STORAGE_FULL', 507)).toMatchObject({ code: 'RELAY_UNAVAILABLE', relayCode: 'STORAGE_FULL' });
    expect(error('MALFORMED', 400)).toMatchObject({ code: 'RELAY_REJECTED' });
    expect(errorFromResponse(502, '<html>', undefined)).toMatchObject({ code: 'RELAY_UNAVAILABLE', status: 502 });
  });

  it('maps refusals on the deposit socket like the HTTP ones, without a status', () => {
    const refusal = (code: Parameters<typeof errorFromRefusal>[0]['code'], extra = {}) =>
      errorFromRefusal({ type: 'refused', id: 1, code, message: 'm', ...extra });
    expect(refusal('RATE_LIMITED', { retryAfter: 3 })).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 3, status: undefined });
    expect(refusal('MAILBOX_FULL', { mailboxes: ['ab'.repeat(32)] })).toMatchObject({ code: 'QUOTA_EXCEEDED', ids: ['ab'.repeat(32)] });
    expect(refusal('UNAVAILABLE', { retryAfter: 1 })).toMatchObject({ code: 'RELAY_UNAVAILABLE', relayCode: 'UNAVAILABLE' });
    expect(refusal('INTERNAL')).toMatchObject({ code: 'RELAY_UNAVAILABLE' });
    // A relay short of disk space: another relay, or this one later, may take it.
    expect(refusal('STORAGE_FULL', { retryAfter: 60 })).toMatchObject({ code: 'RELAY_UNAVAILABLE', retryAfterSeconds: 60 });
    expect(refusal('MALFORMED')).toMatchObject({ code: 'RELAY_REJECTED', relayCode: 'MALFORMED' });
  });
});
