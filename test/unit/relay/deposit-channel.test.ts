// The client's deposit channel against a scripted WebSocket server: answers that arrive
// together under one receipt are each accepted only if the receipt is the pinned relay's and
// lists exactly that deposit's digest.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { decodeDepositFrame, type BinaryDeposit } from '../../../src/common/relay-frames.js';
import type { DepositedAnswer } from '../../../src/common/relay-protocol.js';
import { depositDigest, signDepositReceipt } from '../../../src/core/crypto/mailbox.js';
import { randomBytes, signingKeyPair } from '../../../src/core/crypto/sodium.js';
import { DepositChannel } from '../../../src/core/relay-client/deposits.js';
import { RelayTransport, relayBaseUrl } from '../../../src/core/relay-client/http.js';

const relay = signingKeyPair();
const EXPIRY = 1_800_000_000_000;

let server: WebSocketServer | undefined;
let channel: DepositChannel | undefined;

afterEach(async () => {
  channel?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

interface Scripted {
  readonly channel: DepositChannel;
  /** Resolves with the socket once `count` deposit frames arrived on it. */
  frames(count: number): Promise<{ ws: WebSocket; frames: BinaryDeposit[] }>;
}

async function scriptedRelay(): Promise<Scripted> {
  server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server!.once('listening', resolve));
  const received: BinaryDeposit[] = [];
  const socket = new Promise<WebSocket>((resolve) => server!.once('connection', (ws) => {
    ws.on('message', (data) => received.push(decodeDepositFrame(data as Buffer)));
    resolve(ws);
  }));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  channel = new DepositChannel(new RelayTransport(relayBaseUrl(url)), 5_000);
  return {
    channel,
    async frames(count) {
      const ws = await socket;
      while (received.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
      return { ws, frames: received.slice(0, count) };
    },
  };
}

function newDeposit() {
  const msgId = randomBytes(16);
  const mailboxId = randomBytes(32);
  const envelope = randomBytes(40);
  const request = { msgId, mailboxIds: [mailboxId], blobIds: [], envelope };
  return { request, digest: depositDigest(request) };
}

function answerOf(frame: BinaryDeposit, digest: Buffer, expiresAt = EXPIRY): DepositedAnswer {
  return { id: frame.id, status: 'stored', msgId: Buffer.from(frame.msgId).toString('hex'), expiresAt, digest: digest.toString('hex') };
}

function deposited(ws: WebSocket, answers: DepositedAnswer[], secretKey = relay.secretKey): void {
  const entries = answers.map((answer) => ({ digest: Buffer.from(answer.digest, 'hex'), expiresAt: answer.expiresAt }));
  ws.send(JSON.stringify({ type: 'deposited', answers, receipt: signDepositReceipt(relay.publicKey, entries, secretKey).toString('hex') }));
}

const mismatch = { code: 'RELAY_IDENTITY_MISMATCH' };

describe('deposit channel', () => {
  it('accepts every deposit a frame answers under one valid receipt', async () => {
    const relayServer = await scriptedRelay();
    const [a, b] = [newDeposit(), newDeposit()];
    const results = [a, b].map((deposit) => relayServer.channel.deposit(deposit.request, { digest: deposit.digest, relayKey: relay.publicKey }));
    const { ws, frames } = await relayServer.frames(2);
    deposited(ws, [answerOf(frames[0]!, a.digest), answerOf(frames[1]!, b.digest, EXPIRY + 7)]);
    expect(await Promise.all(results)).toEqual([
      { status: 'stored', expiresAt: EXPIRY },
      { status: 'stored', expiresAt: EXPIRY + 7 },
    ]);
  });

  it('refuses the one answer whose listed digest is not its deposit’s, and accepts the others', async () => {
    const relayServer = await scriptedRelay();
    const [a, b] = [newDeposit(), newDeposit()];
    const results = [a, b].map((deposit) => relayServer.channel.deposit(deposit.request, { digest: deposit.digest, relayKey: relay.publicKey }));
    const { ws, frames } = await relayServer.frames(2);
    // Validly signed, but for other content under b's id (a relay that stored something else).
    deposited(ws, [answerOf(frames[0]!, a.digest), answerOf(frames[1]!, randomBytes(32))]);
    await expect(results[0]).resolves.toEqual({ status: 'stored', expiresAt: EXPIRY });
    await expect(results[1]).rejects.toMatchObject(mismatch);
  });

  it('refuses every answer of a frame signed by another key', async () => {
    const relayServer = await scriptedRelay();
    const [a, b] = [newDeposit(), newDeposit()];
    const results = [a, b].map((deposit) => relayServer.channel.deposit(deposit.request, { digest: deposit.digest, relayKey: relay.publicKey }));
    const { ws, frames } = await relayServer.frames(2);
    deposited(ws, [answerOf(frames[0]!, a.digest), answerOf(frames[1]!, b.digest)], signingKeyPair().secretKey);
    for (const result of results) await expect(result).rejects.toMatchObject(mismatch);
  });

  it('refuses an answer whose receipt was made for a different expiry than the one it claims', async () => {
    const relayServer = await scriptedRelay();
    const a = newDeposit();
    const result = relayServer.channel.deposit(a.request, { digest: a.digest, relayKey: relay.publicKey });
    const { ws, frames } = await relayServer.frames(1);
    const answer = answerOf(frames[0]!, a.digest);
    const receipt = signDepositReceipt(relay.publicKey, [{ digest: a.digest, expiresAt: EXPIRY }], relay.secretKey).toString('hex');
    ws.send(JSON.stringify({ type: 'deposited', answers: [{ ...answer, expiresAt: EXPIRY + 86_400_000 }], receipt }));
    await expect(result).rejects.toMatchObject(mismatch);
  });

  it('checks a receipt that also lists deposits it is no longer waiting for', async () => {
    const relayServer = await scriptedRelay();
    const a = newDeposit();
    const result = relayServer.channel.deposit(a.request, { digest: a.digest, relayKey: relay.publicKey });
    const { ws, frames } = await relayServer.frames(1);
    const stranger = { id: frames[0]!.id + 1000, status: 'duplicate' as const, msgId: randomBytes(16).toString('hex'), expiresAt: EXPIRY, digest: randomBytes(32).toString('hex') };
    deposited(ws, [stranger, answerOf(frames[0]!, a.digest)]);
    await expect(result).resolves.toEqual({ status: 'stored', expiresAt: EXPIRY });
  });
});
