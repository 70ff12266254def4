// The deposit WebSocket (/v1/deposits) driven by hand against real relay processes: many
// deposits in flight on one connection, answered by id under valid receipts; refusals
// that keep the connection; malformed, oversize and misplaced frames that close it with a
// code and a reason, storing nothing; and the relay serves everyone else throughout.
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  encodeDepositFrame,
  encodeEnvelopeFrame,
  sortedIds,
  type BinaryDeposit,
} from '../../../src/common/relay-frames.js';
import {
  CLOSE_CODES,
  DepositAnswerFrame,
  type DepositedAnswer,
  type DepositedFrame,
  type RefusedFrame,
} from '../../../src/common/relay-protocol.js';
import { depositDigest, verifyDepositReceipt } from '../../../src/core/crypto/mailbox.js';
import { randomBytes } from '../../../src/core/crypto/sodium.js';
import type { RelayClient } from '../../../src/core/relay-client/client.js';
import type { Inbox } from '../../support/relay-inbox.js';
import { spawnRelay, type RelayProcess } from '../../support/relay-process.js';
import { waitFor } from '../../support/wait.js';
import {
  BACKENDS, backendOptions, blobIdOf, clientFor, metricValue, newMsgId, opaque, releaseAbused, startAbusedRelay, type StoreInspector,
} from './harness.js';
import { authenticatedRawMailbox } from './raw-mailbox.js';

/** One deposit's answer: a refusal, or its entry in a `deposited` frame (with that frame). */
type Answer = RefusedFrame | (DepositedAnswer & { readonly type: 'deposited'; readonly frame: DepositedFrame });

interface RawDeposits {
  readonly ws: WebSocket;
  readonly answers: Answer[];
  readonly closed: Promise<{ code: number; reason: string }>;
  send(data: unknown): void;
  answerTo(id: number): Promise<Answer>;
}

async function rawDeposits(relay: RelayProcess): Promise<RawDeposits> {
  const ws = new WebSocket(`${relay.url.replace(/^http/, 'ws')}/v1/deposits`);
  const answers: Answer[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  // Every answer the relay sends must match the protocol's schema.
  ws.on('message', (data) => {
    const frame = DepositAnswerFrame.parse(JSON.parse((data as Buffer).toString('utf8')));
    if (frame.type === 'refused') answers.push(frame);
    else for (const answer of frame.answers) answers.push({ type: 'deposited', ...answer, frame });
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return {
    ws,
    answers,
    closed,
    send: (data) => ws.send(typeof data === 'string' || data instanceof Uint8Array ? data : encodeDepositFrame(data as BinaryDeposit)),
    answerTo: (id) => waitFor(() => answers.find((answer) => answer.id === id), `the answer to deposit ${id}`),
  };
}

describe.each(BACKENDS)('deposit socket on %s', (backend) => {
  let relay: RelayProcess;
  let client: RelayClient;
  let store: StoreInspector;
  /** Connected before any abuse; must keep receiving. */
  let bystander: Inbox;

  beforeAll(async () => {
    ({ relay, client, store, bystander } = await startAbusedRelay(backend, 'depositsocket', {
      'rate-limit': 0,
      'max-envelope-bytes': 100_000,
      'max-mailboxes-per-envelope': 256,
      'deposit-window': 8,
    }));
  });

  afterAll(() => releaseAbused({ relay, client, store, bystander }));

  it('answers many deposits in flight on one connection, each by id under a valid receipt, past its window', async () => {
    const before = (await store.counts()).envelopes;
    const raw = await rawDeposits(relay);
    // Five times the window: the relay stops reading while eight are unanswered, and goes on.
    const sent = Array.from({ length: 40 }, (_, id) => deposit(id));
    for (const { frame } of sent) raw.send(frame);
    await waitFor(() => raw.answers.length === sent.length, 'every answer');
    const frames = new Set<DepositedFrame>();
    for (const [id, { digest }] of sent.entries()) {
      const answer = await raw.answerTo(id);
      expect(answer).toMatchObject({ type: 'deposited', status: 'stored', msgId: hex(sent[id]!.frame.msgId), digest: hex(digest) });
      if (answer.type === 'deposited') frames.add(answer.frame);
    }
    // Each frame's one signature covers exactly the answers it lists.
    for (const frame of frames) {
      const entries = frame.answers.map((answer) => ({ digest: Buffer.from(answer.digest, 'hex'), expiresAt: answer.expiresAt }));
      expect(verifyDepositReceipt(relay.identityKey, entries, Buffer.from(frame.receipt, 'hex'))).toBe(true);
    }
    expect((await store.counts()).envelopes - before).toBe(sent.length);
    // Sent again: a duplicate, answered with the same expiry.
    raw.send({ ...sent[0]!.frame, id: 100 });
    expect(await raw.answerTo(100)).toMatchObject({ type: 'deposited', status: 'duplicate' });
    raw.ws.close();
  });

  it('answers a deposit it will not store with `refused` and its code, and keeps the connection', async () => {
    const raw = await rawDeposits(relay);
    raw.send({ ...deposit(1).frame, mailboxIds: sortedIds(Array.from({ length: 257 }, () => randomBytes(32)), 'mailbox id') });
    expect(await raw.answerTo(1)).toMatchObject({ type: 'refused', code: 'TOO_LARGE' });
    const first = deposit(2);
    raw.send(first.frame);
    expect(await raw.answerTo(2)).toMatchObject({ type: 'deposited', status: 'stored' });
    // The same message id with other content.
    raw.send({ ...first.frame, id: 6, envelope: opaque(64) });
    expect(await raw.answerTo(6)).toMatchObject({ type: 'refused', code: 'CONFLICT' });
    const missing = blobIdOf(opaque(8));
    raw.send({ ...deposit(3).frame, blobIds: [missing] });
    expect(await raw.answerTo(3)).toMatchObject({ type: 'refused', code: 'UNKNOWN_BLOB', blobs: [hex(missing)] });
    raw.send({ ...deposit(4).frame, envelope: opaque(100_001) });
    expect(await raw.answerTo(4)).toMatchObject({ type: 'refused', code: 'TOO_LARGE' });
    const before = (await store.counts()).envelopes;
    raw.send(deposit(5).frame);
    expect(await raw.answerTo(5)).toMatchObject({ type: 'deposited', status: 'stored' });
    expect((await store.counts()).envelopes).toBe(before + 1);
    raw.ws.close();
  });

  describe('frames that are not deposits close the connection with 4400 and a reason', () => {
    it.each([
      ['a deposit as JSON text', JSON.stringify({ type: 'deposit', id: 1, msgId: '00'.repeat(16) }), 'deposits are binary frames'],
      ['an ack', JSON.stringify({ type: 'ack', msgIds: ['00'.repeat(16)] }), 'deposits are binary frames'],
      ['an envelope frame', encodeEnvelopeFrame({ msgId: newMsgId(), expiresAt: 1, envelope: opaque(8) }), 'deposit frame: not a deposit frame'],
      ['three bytes', Buffer.from([1, 2, 3]), 'deposit frame: truncated in id'],
      ['a deposit cut inside its message id', encodeDepositFrame(validFrame()).subarray(0, 10), 'deposit frame: truncated in msgId'],
      ['a deposit with no mailboxes', withMailboxCount(0), 'deposit frame: mailbox count is 0; at least 1 required'],
      ['a deposit with more mailboxes than the protocol allows', withMailboxCount(1001), 'deposit frame: mailbox count is 1001; the limit is 1000'],
      ['a deposit with its mailbox ids out of order', unsortedMailboxes(), 'mailbox ids are not in ascending order without duplicates'],
      ['a deposit with no envelope', encodeDepositFrame({ ...validFrame(), envelope: new Uint8Array(0) }), 'deposit frame: no envelope'],
    ])('closes on %s, storing nothing but what was answered before', async (_name, frame, reason) => {
      const raw = await rawDeposits(relay);
      const good = deposit(7);
      raw.send(good.frame);
      expect(await raw.answerTo(7)).toMatchObject({ type: 'deposited', status: 'stored' });
      const before = await store.counts();
      raw.send(frame);
      const closed = await raw.closed;
      expect(closed.code).toBe(CLOSE_CODES.malformed);
      expect(closed.reason).toContain(reason);
      expect(await store.counts()).toEqual(before);
    });

    it('closes when an id is reused while its deposit is in flight; the first is still stored', async () => {
      const raw = await rawDeposits(relay);
      const before = (await store.counts()).envelopes;
      // Corked: both frames reach the relay in one read, so the first is still in flight.
      const socket = (raw.ws as unknown as { _socket: Socket })._socket;
      socket.cork();
      raw.send(deposit(9).frame);
      raw.send(deposit(9).frame);
      socket.uncork();
      expect(await raw.closed).toEqual({ code: CLOSE_CODES.malformed, reason: 'deposit id 9 is already in flight' });
      // Its answer was lost with the connection; the client sends it again, which is idempotent.
      await waitFor(async () => (await store.counts()).envelopes === before + 1, 'the first deposit to be stored');
    });

    it('closes on a frame over the deposit frame limit with 1009, storing nothing', async () => {
      const raw = await rawDeposits(relay);
      const before = await store.counts();
      raw.send({ ...validFrame(), envelope: opaque(200_000) });
      expect((await raw.closed).code).toBe(1009);
      expect(await store.counts()).toEqual(before);
    });

    it('refuses a deposit sent on a mailbox connection: deposits have their own endpoint', async () => {
      const mailbox = await authenticatedRawMailbox(relay);
      const before = await store.counts();
      mailbox.send(encodeDepositFrame(validFrame()));
      expect((await mailbox.closed).code).toBe(CLOSE_CODES.malformed);
      expect(await store.counts()).toEqual(before);
    });
  });

  describe('idle connections', () => {
    let idle: RelayProcess;
    let idleClient: RelayClient;

    beforeAll(async () => {
      idle = await spawnRelay({ ...(await backendOptions(backend, 'depositidle')), flags: { 'rate-limit': 0, 'deposit-idle-timeout': 0.2 } });
      idleClient = clientFor(idle);
    });

    afterAll(async () => {
      idleClient?.close();
      await idle?.stop();
    });

    it('closes a connection with nothing in flight after the idle timeout with 1000 "idle"', async () => {
      const raw = await rawDeposits(idle);
      raw.send(deposit(1).frame);
      expect(await raw.answerTo(1)).toMatchObject({ type: 'deposited' });
      expect(await raw.closed).toEqual({ code: 1000, reason: 'idle' });
    });

    it('lets the client library open a new connection for the next deposit', async () => {
      const connections = () => metricValue(idle, 'aegees_relay_deposit_connections');
      const mailbox = randomBytes(32);
      expect((await idleClient.deposit({ msgId: newMsgId(), mailboxIds: [mailbox], envelope: opaque(10) })).status).toBe('stored');
      await waitFor(async () => (await connections()) === 0, 'the idle deposit connection to close');
      expect((await idleClient.deposit({ msgId: newMsgId(), mailboxIds: [mailbox], envelope: opaque(10) })).status).toBe('stored');
    });
  });

  it('answers a plain HTTP request to the deposit endpoint with 426', async () => {
    const answer = await fetch(`${relay.url}/v1/deposits`);
    expect(answer.status).toBe(426);
    expect(await answer.json()).toMatchObject({ error: { code: 'MALFORMED' } });
  });

  it('has the client library refuse, before sending, a deposit over the limits the relay announces', async () => {
    const before = await store.counts();
    const { limits } = await client.fetchInfo();
    const mailbox = randomBytes(32);
    const fits = client.deposit({ msgId: newMsgId(), mailboxIds: [mailbox], envelope: opaque(64) });
    const cases = [
      { mailboxIds: [mailbox], envelope: opaque(limits.maxEnvelopeBytes + 1) },
      { mailboxIds: Array.from({ length: limits.maxMailboxesPerEnvelope + 1 }, () => randomBytes(32)), envelope: opaque(64) },
    ];
    for (const over of cases) {
      // TOO_LARGE with the relay's code: the outbox gives such a deposit up instead of retrying it.
      await expect(client.deposit({ msgId: newMsgId(), ...over })).rejects.toMatchObject({ code: 'TOO_LARGE', relayCode: 'TOO_LARGE' });
    }
    // Nothing was sent that would have closed the connection under the deposit in flight.
    expect((await fits).status).toBe('stored');
    expect((await store.counts()).envelopes).toBe(before.envelopes + 1);
  });
});

/** A deposit for a fresh mailbox (any 32 bytes name one; the relay cannot tell) and its digest. */
function deposit(id: number): { frame: BinaryDeposit; digest: Buffer } {
  const frame = { id, msgId: newMsgId(), mailboxIds: [randomBytes(32)], blobIds: [], envelope: opaque(64) };
  return { frame, digest: depositDigest(frame) };
}

function validFrame(): BinaryDeposit {
  return deposit(1).frame;
}

/** A well-formed frame but for its mailbox count, which no ids follow. */
function withMailboxCount(count: number): Uint8Array {
  const frame = Buffer.from(encodeDepositFrame(validFrame()));
  frame.writeUInt16BE(count, 21);
  return frame;
}

/** Two mailbox ids in descending order. */
function unsortedMailboxes(): Uint8Array {
  const ids = sortedIds([randomBytes(32), randomBytes(32)], 'mailbox id');
  const frame = Buffer.from(encodeDepositFrame({ ...validFrame(), mailboxIds: ids }));
  frame.set(ids[1]!, 23);
  frame.set(ids[0]!, 55);
  return frame;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
