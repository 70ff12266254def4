// A hostile storage relay for tests: an HTTP + WebSocket proxy in front of a real relay
// process. It forwards the relay's own signed answers (information document, receipts,
// mailbox challenge; plain loopback connections have no TLS channel binding to break), so a
// client that pins the relay's identity key talks to it as to the relay itself. Per mode it
// then tampers with what passes through: pushed envelopes, deposit frames, blob downloads.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Transform } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  decodeDepositFrame,
  decodeEnvelopeFrame,
  encodeDepositFrame,
  encodeEnvelopeFrame,
  sortedIds,
  type BinaryEnvelope,
} from '../../src/common/relay-frames.js';
import { RELAY_PATHS } from '../../src/common/relay-protocol.js';
import { randomBytes } from '../../src/core/crypto/sodium.js';

/**
 * What happens to each envelope the relay pushes:
 * - pass: forwarded unchanged;
 * - flip: one bit of the envelope flipped (a different position each time);
 * - truncate: the envelope cut to half its length;
 * - replay: forwarded, then every envelope pushed earlier through this proxy pushed again;
 * - replay-as-new: an earlier envelope pushed under the new message's id instead of it;
 * - reorder: held back until `release()`, which pushes them newest first;
 * - duplicate: pushed twice;
 * - withhold: never pushed.
 */
export type PushMode = 'pass' | 'flip' | 'truncate' | 'replay' | 'replay-as-new' | 'reorder' | 'duplicate' | 'withhold';

export interface HostileProxy {
  /** Base URL clients use in place of the relay's. */
  readonly url: string;
  pushMode: PushMode;
  /** Adds a stranger's mailbox to every deposit's recipient list before the relay sees it. */
  addRecipient: boolean;
  /** Flips a bit in every blob download. */
  tamperBlobs: boolean;
  /** Message ids (hex) of envelopes this proxy altered, replayed, duplicated or withheld. */
  readonly meddled: Set<string>;
  /** Envelope frames held by `reorder`. */
  readonly held: number;
  /** Called with the message ids of every ack a client sends, before the relay sees it. */
  onAck: ((msgIds: readonly string[]) => void) | undefined;
  /** Called with the message id of every deposit, before the relay sees it. */
  onDeposit: ((msgId: string) => void) | undefined;
  /** Pushes the envelopes held by `reorder`: `first` (a message id, hex) if held, then the rest newest first. */
  release(first?: string): void;
  close(): Promise<void>;
}

interface Held {
  readonly client: WebSocket;
  readonly frame: BinaryEnvelope;
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** Starts a proxy on an ephemeral loopback port in front of the relay at `target`. */
export async function startHostileProxy(target: string): Promise<HostileProxy> {
  const upstream = new URL(target);
  const seen: BinaryEnvelope[] = [];
  const held: Held[] = [];
  const sockets = new Set<WebSocket>();
  let flips = 0;

  const proxy = {
    url: '',
    pushMode: 'pass' as PushMode,
    addRecipient: false,
    tamperBlobs: false,
    meddled: new Set<string>(),
    get held() {
      return held.length;
    },
    onAck: undefined as ((msgIds: readonly string[]) => void) | undefined,
    onDeposit: undefined as ((msgId: string) => void) | undefined,
    release(first?: string) {
      const order = held.splice(0).reverse();
      const at = order.findIndex(({ frame }) => hex(frame.msgId) === first);
      if (at > 0) order.unshift(...order.splice(at, 1));
      for (const { client, frame } of order) sendFrame(client, frame);
    },
    close: async () => {
      for (const socket of sockets) socket.terminate();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const meddle = (frame: BinaryEnvelope) => proxy.meddled.add(hex(frame.msgId));

  function onEnvelope(client: WebSocket, frame: BinaryEnvelope): void {
    const earlier = [...seen];
    seen.push(frame);
    const bytes = Buffer.from(frame.envelope);
    switch (proxy.pushMode) {
      case 'pass':
        sendFrame(client, frame);
        return;
      case 'flip': {
        flips += 1;
        const position = (flips * 7919) % bytes.length;
        bytes[position]! ^= 1 << (flips % 8);
        meddle(frame);
        sendFrame(client, { ...frame, envelope: bytes });
        return;
      }
      case 'truncate':
        meddle(frame);
        sendFrame(client, { ...frame, envelope: bytes.subarray(0, bytes.length >> 1) });
        return;
      case 'replay':
        sendFrame(client, frame);
        for (const old of earlier) {
          meddle(old);
          sendFrame(client, old);
        }
        return;
      case 'replay-as-new': {
        const old = earlier.find((candidate) => hex(candidate.msgId) !== hex(frame.msgId));
        if (!old) {
          sendFrame(client, frame);
          return;
        }
        meddle(frame);
        sendFrame(client, { ...frame, envelope: old.envelope });
        return;
      }
      case 'reorder':
        meddle(frame);
        held.push({ client, frame });
        return;
      case 'duplicate':
        meddle(frame);
        sendFrame(client, frame);
        sendFrame(client, frame);
        return;
      case 'withhold':
        meddle(frame);
        return;
    }
  }

  /** Binary frames from the relay are pushed envelopes (PROTOCOL.md §8.2). */
  function fromRelay(client: WebSocket, data: RawData, isBinary: boolean): void {
    if (isBinary) onEnvelope(client, decodeEnvelopeFrame(data as Buffer));
    else client.send(data, { binary: false });
  }

  /** Binary frames from a client are deposits (§7.3.2); text frames are acks and auth. */
  function fromClient(relay: WebSocket, data: RawData, isBinary: boolean): void {
    if (!isBinary) {
      const frame = JSON.parse(data.toString()) as { type?: string; msgIds?: string[] };
      if (frame.type === 'ack' && frame.msgIds) proxy.onAck?.(frame.msgIds);
      relay.send(data, { binary: false });
      return;
    }
    const deposit = decodeDepositFrame(data as Buffer);
    proxy.onDeposit?.(hex(deposit.msgId));
    if (!proxy.addRecipient) {
      relay.send(data, { binary: true });
      return;
    }
    proxy.meddled.add(hex(deposit.msgId));
    relay.send(encodeDepositFrame({ ...deposit, mailboxIds: sortedIds([...deposit.mailboxIds, randomBytes(32)], 'mailbox id') }));
  }

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const relay = new WebSocket(new URL(req.url ?? '/', target.replace(/^http/, 'ws')), { perMessageDeflate: false });
    const early: Array<[RawData, boolean]> = [];
    let client: WebSocket | undefined;
    relay.on('message', (data, isBinary) => {
      if (client) fromRelay(client, data, isBinary);
      else early.push([data, isBinary]);
    });
    relay.on('error', () => {
      if (!client) socket.end('HTTP/1.1 502 Bad Gateway\r\nConnection: close\r\n\r\n');
      else client.terminate();
    });
    relay.once('open', () => {
      sockets.add(relay);
      wss.handleUpgrade(req, socket, head, (accepted) => {
        client = accepted;
        sockets.add(accepted);
        for (const [data, isBinary] of early.splice(0)) fromRelay(accepted, data, isBinary);
        accepted.on('message', (data, isBinary) => fromClient(relay, data, isBinary));
        accepted.on('close', (code, reason) => closeLike(relay, code, reason));
        accepted.on('error', () => relay.terminate());
        relay.on('close', (code, reason) => closeLike(accepted, code, reason));
      });
    });
  }

  function forward(req: IncomingMessage, res: ServerResponse): void {
    const headers = { ...req.headers, host: upstream.host };
    delete headers.expect;
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        const isBlob = req.method === 'GET' && req.url?.startsWith(RELAY_PATHS.blobs) && answer.statusCode === 200;
        if (isBlob && proxy.tamperBlobs) answer.pipe(flipOneBit()).pipe(res);
        else answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  }

  const server = createServer(forward);
  server.on('upgrade', upgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

function sendFrame(client: WebSocket, frame: BinaryEnvelope): void {
  if (client.readyState === WebSocket.OPEN) client.send(encodeEnvelopeFrame(frame));
}

/** Passes a close on to the other side; codes that may not be sent (1005, 1006) end it abruptly. */
function closeLike(socket: WebSocket, code: number, reason: Buffer): void {
  if (code === 1000 || (code >= 1001 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)) {
    socket.close(code, reason);
  } else socket.terminate();
}

function flipOneBit(): Transform {
  let offset = 0;
  const target = 100;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (offset <= target && target < offset + chunk.length) {
        const copy = Buffer.from(chunk);
        copy[target - offset]! ^= 0x01;
        chunk = copy;
      }
      offset += chunk.length;
      done(null, chunk);
    },
  });
}
