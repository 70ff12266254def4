// The relay client: what the messenger (and the tests) use to talk to one storage relay.
// It pins the relay's identity key and checks every signed answer against it — the info
// document, deposit and blob receipts, the mailbox challenge — so a server that holds a
// valid TLS certificate but not the relay's key is detected and refused.
import { Transform, type Readable } from 'node:stream';
import { AegeesError } from '../../common/errors.js';
import { sortedIds } from '../../common/relay-frames.js';
import {
  BlobUploadResponse,
  RELAY_PATHS,
  SignedRelayInfo,
  RelayInfoDocument,
  type RelayLimits,
} from '../../common/relay-protocol.js';
import {
  BLOB_ID_BYTES,
  MSG_ID_BYTES,
  blobIdHasher,
  depositDigest,
  verifyBlobReceipt,
  verifyRelayInfo,
} from '../crypto/mailbox.js';
import { SIGN_PUBLIC_BYTES, constantTimeEqual, randomBytes } from '../crypto/sodium.js';
import { DepositChannel, type DepositResult } from './deposits.js';
import { RelayRequestError, impostor, unavailable } from './errors.js';
import { RelayTransport, relayBaseUrl, type TransportOptions } from './http.js';
import { openMailbox, type MailboxOptions, type MailboxSession } from './mailbox.js';

export interface RelayClientOptions extends TransportOptions {
  /** Base URL, e.g. https://relay.example:8787. */
  readonly url: string;
  /**
   * The relay's Ed25519 identity key as the roster knows it. Without one, the first verified
   * information document sets it (trust on first use) and it is pinned from then on.
   */
  readonly relayKey?: Uint8Array;
}

export interface Deposit {
  readonly msgId: Uint8Array;
  readonly mailboxIds: readonly Uint8Array[];
  readonly blobIds?: readonly Uint8Array[];
  readonly envelope: Uint8Array;
}

export type { DepositResult };

export interface UploadResult {
  readonly status: 'stored' | 'exists';
}

function parseAnswer<T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw unavailable(`relay sent a malformed ${what}`);
  return parsed.data;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export class RelayClient {
  private readonly transport: RelayTransport;
  private readonly deposits: DepositChannel;
  private pinnedKey: Buffer | undefined;
  private limits: RelayLimits | undefined;
  /** The information document being fetched for its limits, shared by deposits that start together. */
  private limitsLookup: Promise<RelayInfoDocument> | undefined;

  constructor(options: RelayClientOptions) {
    this.transport = new RelayTransport(relayBaseUrl(options.url), options);
    this.deposits = new DepositChannel(this.transport, options.timeoutMs ?? 30_000);
    if (options.relayKey !== undefined) {
      if (options.relayKey.length !== SIGN_PUBLIC_BYTES) throw new AegeesError('INVALID_ARGUMENT', 'relay key must be 32 bytes');
      this.pinnedKey = Buffer.from(options.relayKey);
    }
  }

  get url(): string {
    return this.transport.base.href;
  }

  /** The pinned identity key, once known. */
  get relayKey(): Buffer | undefined {
    return this.pinnedKey;
  }

  private async key(): Promise<Buffer> {
    if (this.pinnedKey === undefined) await this.fetchInfo();
    return this.pinnedKey!;
  }

  /** Fetches the signed information document with a fresh challenge and checks it against the pinned key. */
  async fetchInfo(): Promise<RelayInfoDocument> {
    const challenge = randomBytes(32).toString('hex');
    const { body } = await this.transport.getJson(`${RELAY_PATHS.info}?challenge=${challenge}`);
    const signed = parseAnswer(SignedRelayInfo, body, 'information document');
    let documentJson: unknown;
    try {
      documentJson = JSON.parse(signed.document);
    } catch {
      throw unavailable('relay information document is not JSON');
    }
    const document = parseAnswer(RelayInfoDocument, documentJson, 'information document');
    const key = Buffer.from(document.identityKey, 'hex');
    if (this.pinnedKey !== undefined && !constantTimeEqual(key, this.pinnedKey)) {
      throw impostor(`relay at ${this.url} presents identity key ${document.identityKey}, expected ${hex(this.pinnedKey)}`);
    }
    if (!verifyRelayInfo(signed.document, Buffer.from(signed.signature, 'hex'), key) || document.challenge !== challenge) {
      throw impostor(`relay at ${this.url} did not sign a fresh information document with its identity key`);
    }
    this.pinnedKey = key;
    this.limits = document.limits;
    return document;
  }

  /** What this relay takes in one deposit, from its information document (fetched once). */
  private async depositLimits(): Promise<RelayLimits> {
    if (this.limits) return this.limits;
    this.limitsLookup ??= this.fetchInfo().finally(() => {
      this.limitsLookup = undefined;
    });
    return (await this.limitsLookup).limits;
  }

  /**
   * Refuses, before sending, a deposit this relay announced it would refuse. Sent anyway, an
   * envelope over its size closes the whole deposit connection (1009), failing the deposits
   * in flight with it, and looks like a transient failure, so it would be retried forever.
   */
  private async checkLimits(deposit: Deposit, blobCount: number): Promise<void> {
    const limits = await this.depositLimits();
    const over =
      deposit.envelope.length > limits.maxEnvelopeBytes ? `a ${deposit.envelope.length}-byte envelope (at most ${limits.maxEnvelopeBytes})`
      : deposit.mailboxIds.length > limits.maxMailboxesPerEnvelope ? `${deposit.mailboxIds.length} mailboxes in one deposit (at most ${limits.maxMailboxesPerEnvelope})`
      : blobCount > limits.maxBlobsPerEnvelope ? `${blobCount} blobs in one deposit (at most ${limits.maxBlobsPerEnvelope})`
      : undefined;
    if (over) throw new RelayRequestError('TOO_LARGE', `relay at ${this.url} takes no ${over}`, { relayCode: 'TOO_LARGE' });
  }

  async deposit(deposit: Deposit): Promise<DepositResult> {
    if (deposit.msgId.length !== MSG_ID_BYTES) throw new AegeesError('INVALID_ARGUMENT', 'message id must be 16 bytes');
    const blobIds = deposit.blobIds ?? [];
    const relayKey = await this.key();
    await this.checkLimits(deposit, blobIds.length);
    const content = {
      msgId: deposit.msgId,
      mailboxIds: sortedIds(deposit.mailboxIds, 'mailbox id'),
      blobIds: sortedIds(blobIds, 'blob id'),
      envelope: deposit.envelope,
    };
    return this.deposits.deposit(content, { digest: depositDigest(content), relayKey });
  }

  /** Streams `size` bytes of attachment ciphertext; `blobId` must be their BLAKE2b-256. */
  async uploadBlob(blobId: Uint8Array, size: number, data: AsyncIterable<Uint8Array>): Promise<UploadResult> {
    if (blobId.length !== BLOB_ID_BYTES) throw new AegeesError('INVALID_ARGUMENT', 'blob id must be 32 bytes');
    if (!Number.isSafeInteger(size) || size <= 0) throw new AegeesError('INVALID_ARGUMENT', 'blob size must be positive');
    const relayKey = await this.key();
    const { body } = await this.transport.putStream(`${RELAY_PATHS.blobs}${hex(blobId)}`, size, data);
    const answer = parseAnswer(BlobUploadResponse, body, 'upload answer');
    const receipt = Buffer.from(answer.receipt, 'hex');
    if (answer.blobId !== hex(blobId) || !verifyBlobReceipt({ relayKey, blobId, size: answer.size }, receipt)) {
      throw impostor(`relay at ${this.url} answered the upload without a valid receipt from its identity key`);
    }
    return { status: answer.status };
  }

  /**
   * Streams a blob. The stream fails with HASH_MISMATCH at its end if the bytes do not hash
   * to `blobId`, so consumers must not use the data before the stream ended cleanly.
   */
  async downloadBlob(blobId: Uint8Array): Promise<Readable> {
    if (blobId.length !== BLOB_ID_BYTES) throw new AegeesError('INVALID_ARGUMENT', 'blob id must be 32 bytes');
    const res = await this.transport.getStream(`${RELAY_PATHS.blobs}${hex(blobId)}`);
    const expected = Number(res.headers['content-length']);
    const hasher = blobIdHasher();
    let seen = 0;
    const check = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        seen += chunk.length;
        hasher.update(chunk);
        done(null, chunk);
      },
      flush(done) {
        if (seen !== expected || !constantTimeEqual(hasher.digest(), blobId)) {
          done(new AegeesError('HASH_MISMATCH', 'downloaded blob does not hash to its id'));
        } else done();
      },
    });
    res.on('error', (error) => check.destroy(unavailable(`download interrupted: ${error.message}`, error)));
    res.on('aborted', () => check.destroy(unavailable('download interrupted')));
    return res.pipe(check);
  }

  /** Opens and authenticates the device's mailbox on this relay. */
  async connectMailbox(options: MailboxOptions): Promise<MailboxSession> {
    const relayKey = await this.key();
    return openMailbox(this.transport, relayKey, options);
  }

  close(): void {
    this.deposits.close();
    this.transport.close();
  }
}
