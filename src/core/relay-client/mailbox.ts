// A device's authenticated mailbox connection: verifies the relay's signed challenge
// (identity key, our fresh nonce, this TLS connection) before proving ownership of the
// mailbox, then hands every pushed envelope to `onEnvelope`; the caller acks once it has
// stored the envelope durably.
import { WebSocket } from 'ws';
import { AegeesError } from '../../common/errors.js';
import { decodeEnvelopeFrame, type BinaryEnvelope } from '../../common/relay-frames.js';
import {
  CLOSE_CODES,
  RELAY_PATHS,
  ServerFrame,
  type ClientFrame,
} from '../../common/relay-protocol.js';
import {
  MAILBOX_ROOT_BYTES,
  RELAY_NONCE_BYTES,
  channelBindingOf,
  deriveMailboxKeyPair,
  mailboxIdOf,
  signMailboxAuth,
  verifyRelayChallenge,
} from '../crypto/mailbox.js';
import { bufferView, constantTimeEqual, randomBytes, wipe } from '../crypto/sodium.js';
import { impostor, unavailable, RelayRequestError } from './errors.js';
import type { RelayTransport } from './http.js';

export interface PushedEnvelope {
  readonly msgId: Buffer;
  readonly envelope: Buffer;
  readonly expiresAt: number;
}

export interface MailboxOptions {
  /** The device's 32-byte mailbox root secret; the per-relay key pair is derived from it. */
  readonly rootSecret: Uint8Array;
  /** Called for every pushed envelope, in order; ack it with `session.ack` once it is safely stored. */
  readonly onEnvelope: (envelope: PushedEnvelope, session: MailboxSession) => void;
  /** Called once when the connection ends after it was established. */
  readonly onClose?: (code: number, reason: string) => void;
  /** Largest frame accepted from the relay. */
  readonly maxFrameBytes?: number;
  readonly timeoutMs?: number;
}

export interface MailboxSession {
  readonly mailboxId: Buffer;
  /** Acknowledges envelopes by message id (bytes or hex); the relay deletes them once every recipient acked. */
  ack(msgIds: ReadonlyArray<Uint8Array | string>): void;
  close(): Promise<void>;
}

const ACK_BATCH = 256;

export function openMailbox(transport: RelayTransport, relayKey: Buffer, options: MailboxOptions): Promise<MailboxSession> {
  if (options.rootSecret.length !== MAILBOX_ROOT_BYTES) {
    return Promise.reject(new AegeesError('INVALID_ARGUMENT', 'mailbox root secret must be 32 bytes'));
  }
  const keyPair = deriveMailboxKeyPair(options.rootSecret, relayKey);
  const mailboxId = mailboxIdOf(keyPair.publicKey);
  const clientNonce = randomBytes(RELAY_NONCE_BYTES);
  const ws = new WebSocket(`${transport.wsUrl(RELAY_PATHS.mailbox)}?clientNonce=${clientNonce.toString('hex')}`, {
    ...transport.tlsOptions,
    minVersion: 'TLSv1.3',
    maxPayload: options.maxFrameBytes ?? 8 * 1024 * 1024,
    perMessageDeflate: false,
    handshakeTimeout: options.timeoutMs ?? 30_000,
  });
  let channelBinding: Buffer | undefined;
  ws.once('upgrade', (res) => {
    channelBinding = channelBindingOf(res.socket);
  });

  return new Promise<MailboxSession>((resolve, reject) => {
    let state: 'challenge' | 'auth' | 'ready' | 'closed' = 'challenge';
    let established = false;
    const fail = (error: Error, code: number, reason: string) => {
      if (state === 'closed') return;
      const wasReady = state === 'ready';
      state = 'closed';
      wipe(keyPair.secretKey);
      ws.close(code, reason);
      if (!wasReady) reject(error);
    };
    const timer = setTimeout(
      () => fail(unavailable('relay did not complete mailbox authentication in time'), 1000, 'timeout'),
      options.timeoutMs ?? 30_000,
    );
    // Acks made in the same event-loop turn travel in one frame: fewer frames, fewer commits.
    let unsentAcks: string[] = [];
    const sendAcks = () => {
      const ids = unsentAcks;
      unsentAcks = [];
      for (let i = 0; i < ids.length && ws.readyState === WebSocket.OPEN; i += ACK_BATCH) {
        const frame: ClientFrame = { type: 'ack', msgIds: ids.slice(i, i + ACK_BATCH) };
        ws.send(JSON.stringify(frame));
      }
    };
    const session: MailboxSession = {
      mailboxId,
      ack(msgIds) {
        if (unsentAcks.length === 0 && msgIds.length > 0) setImmediate(sendAcks);
        for (const id of msgIds) unsentAcks.push(typeof id === 'string' ? id : Buffer.from(id).toString('hex'));
      },
      close() {
        // Acks given before close still go out: the relay then deletes instead of redelivering.
        sendAcks();
        return new Promise<void>((done) => {
          if (ws.readyState === WebSocket.CLOSED) done();
          else {
            ws.once('close', () => done());
            ws.close(1000, 'client closing');
          }
        });
      },
    };

    /** Binary frames are pushed envelopes, and only after authentication. */
    const onBinary = (data: Buffer) => {
      if (state !== 'ready') {
        fail(unavailable('relay pushed an envelope before authentication'), CLOSE_CODES.malformed, 'unexpected frame');
        return;
      }
      let pushed: BinaryEnvelope;
      try {
        pushed = decodeEnvelopeFrame(data);
      } catch (error) {
        fail(unavailable(`relay sent a malformed frame: ${(error as Error).message}`), CLOSE_CODES.malformed, 'malformed frame');
        return;
      }
      options.onEnvelope({ msgId: bufferView(pushed.msgId), envelope: bufferView(pushed.envelope), expiresAt: pushed.expiresAt }, session);
    };

    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        onBinary(data as Buffer);
        return;
      }
      let frame: ServerFrame;
      try {
        const parsed = ServerFrame.safeParse(JSON.parse((data as Buffer).toString('utf8')));
        if (!parsed.success) throw new Error(parsed.error.issues[0]?.message ?? 'invalid frame');
        frame = parsed.data;
      } catch (error) {
        fail(unavailable(`relay sent a malformed frame: ${(error as Error).message}`), CLOSE_CODES.malformed, 'malformed frame');
        return;
      }
      if (frame.type === 'error') {
        const code = frame.code === 'AUTH_FAILED' || frame.code === 'AUTH_TIMEOUT' ? 'AUTH_FAILED' : 'RELAY_REJECTED';
        fail(new RelayRequestError(code, `relay: ${frame.message}`, { relayCode: frame.code }), 1000, 'relay error');
        return;
      }
      if (state === 'challenge' && frame.type === 'challenge') {
        const context = {
          relayKey: Buffer.from(frame.relayKey, 'hex'),
          nonce: Buffer.from(frame.nonce, 'hex'),
          clientNonce,
          channelBinding: channelBinding ?? Buffer.alloc(32),
        };
        if (!constantTimeEqual(context.relayKey, relayKey) || !verifyRelayChallenge(context, Buffer.from(frame.signature, 'hex'))) {
          fail(impostor(`relay at ${transport.base.href} did not prove its pinned identity key ${relayKey.toString('hex')}`),
            CLOSE_CODES.authFailed, 'relay identity mismatch');
          return;
        }
        state = 'auth';
        const auth: ClientFrame = {
          type: 'auth',
          mailboxKey: keyPair.publicKey.toString('hex'),
          signature: signMailboxAuth(context, keyPair).toString('hex'),
        };
        wipe(keyPair.secretKey);
        ws.send(JSON.stringify(auth));
        return;
      }
      if (state === 'auth' && frame.type === 'ready' && frame.mailboxId === mailboxId.toString('hex')) {
        state = 'ready';
        established = true;
        clearTimeout(timer);
        resolve(session);
        return;
      }
      fail(unavailable(`relay sent an unexpected ${frame.type} frame`), CLOSE_CODES.malformed, 'unexpected frame');
    });

    ws.on('error', (error) => fail(unavailable(`mailbox connection failed: ${error.message}`, error), 1011, 'error'));
    ws.on('close', (code, reason) => {
      clearTimeout(timer);
      if (state !== 'closed' && state !== 'ready') {
        reject(unavailable(`relay closed the mailbox connection (${code} ${reason.toString()})`));
      }
      state = 'closed';
      wipe(keyPair.secretKey);
      if (established) options.onClose?.(code, reason.toString());
    });
  });
}
