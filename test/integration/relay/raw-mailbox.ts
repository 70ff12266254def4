// A hand-driven mailbox WebSocket, for tests that send what the client library never would:
// forged, replayed, cross-relay or malformed frames.
import { WebSocket } from 'ws';
import { decodeEnvelopeFrame } from '../../../src/common/relay-frames.js';
import { randomBytes } from '../../../src/core/crypto/sodium.js';
import { deriveMailboxKeyPair, mailboxIdOf, signMailboxAuth, type ChallengeContext } from '../../../src/core/crypto/mailbox.js';
import type { RelayProcess } from '../../support/relay-process.js';
import { waitFor } from '../../support/wait.js';

export interface RawMailbox {
  readonly ws: WebSocket;
  /** The relay's challenge frame (first frame). */
  readonly challenge: { relayKey: string; nonce: string; signature: string; expiresAt: number };
  /** The signing context a client would use on this (plain) connection. */
  readonly context: ChallengeContext;
  /** Frames after the challenge, parsed; a pushed envelope (binary) as `{ type: 'envelope', msgId, expiresAt, envelope }`. */
  readonly frames: Array<{ type: string; [key: string]: unknown }>;
  readonly closed: Promise<{ code: number; reason: string }>;
  send(data: unknown): void;
  waitForFrame(type: string): Promise<{ type: string; [key: string]: unknown }>;
}

export function wsUrl(relay: RelayProcess, query: string): string {
  return `${relay.url.replace(/^http/, 'ws')}/v1/mailbox${query}`;
}

export async function rawMailbox(relay: RelayProcess): Promise<RawMailbox> {
  const clientNonce = randomBytes(32);
  const ws = new WebSocket(wsUrl(relay, `?clientNonce=${clientNonce.toString('hex')}`));
  const frames: RawMailbox['frames'] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  const challenge = await new Promise<RawMailbox['challenge']>((resolve, reject) => {
    ws.once('error', reject);
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const pushed = decodeEnvelopeFrame(data as Buffer);
        frames.push({ type: 'envelope', msgId: Buffer.from(pushed.msgId).toString('hex'), expiresAt: pushed.expiresAt, envelope: pushed.envelope });
        return;
      }
      const frame = JSON.parse((data as Buffer).toString('utf8')) as { type: string };
      if (frame.type === 'challenge') resolve(frame as unknown as RawMailbox['challenge']);
      else frames.push(frame);
    });
  });
  return {
    ws,
    challenge,
    context: {
      relayKey: Buffer.from(challenge.relayKey, 'hex'),
      nonce: Buffer.from(challenge.nonce, 'hex'),
      clientNonce,
      channelBinding: Buffer.alloc(32),
    },
    frames,
    closed,
    send(data) {
      ws.send(typeof data === 'string' || data instanceof Uint8Array ? data : JSON.stringify(data));
    },
    waitForFrame: (type) => waitFor(() => frames.find((frame) => frame.type === type), `a ${type} frame`),
  };
}

/** A raw connection already authenticated for a fresh mailbox. */
export async function authenticatedRawMailbox(relay: RelayProcess): Promise<RawMailbox & { mailboxId: Buffer }> {
  const raw = await rawMailbox(relay);
  const keyPair = deriveMailboxKeyPair(randomBytes(32), relay.identityKey);
  raw.send({ type: 'auth', mailboxKey: keyPair.publicKey.toString('hex'), signature: signMailboxAuth(raw.context, keyPair).toString('hex') });
  await raw.waitForFrame('ready');
  return { ...raw, mailboxId: mailboxIdOf(keyPair.publicKey) };
}
