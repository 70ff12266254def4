// PUT and GET /v1/blobs/{blobId}: attachment ciphertext, streamed both ways. A blob id is
// the BLAKE2b-256 of the blob's bytes: the relay checks it while receiving and again before
// serving, so it never stores a mislabelled blob and never serves a damaged one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { blobIdHasher, signBlobReceipt } from '../../core/crypto/mailbox.js';
import { constantTimeEqual } from '../../core/crypto/sodium.js';
import { BlobIdHex, type BlobUploadResponse } from '../../common/relay-protocol.js';
import type { RelayContext } from '../context.js';
import { checkDeclaredLength, continueIfExpected, countedBody, declaredLength, requireContentType } from './body.js';
import { HttpError, sendJson } from './respond.js';

/** What an address over its unreferenced-blob budget is told to wait: its deposits free it. */
const UPLOAD_BUDGET_RETRY_SECONDS = 60;

export function parseBlobId(raw: string): Buffer {
  if (!BlobIdHex.safeParse(raw).success) throw new HttpError(400, 'MALFORMED', 'blob id must be 32 bytes of lowercase hex');
  return Buffer.from(raw, 'hex');
}

/** Passes the bytes through, failing at the end unless they hash to `blobId`. */
async function* verified(data: AsyncIterable<Buffer>, blobId: Buffer): AsyncGenerator<Buffer> {
  const hasher = blobIdHasher();
  for await (const chunk of data) {
    hasher.update(chunk);
    yield chunk;
  }
  if (!constantTimeEqual(hasher.digest(), blobId)) {
    throw new HttpError(400, 'HASH_MISMATCH', 'the uploaded bytes do not hash to the blob id');
  }
}

function answer(
  ctx: RelayContext, req: IncomingMessage, res: ServerResponse, blobId: Buffer, size: number, status: 'stored' | 'exists',
): void {
  ctx.metrics.blobUploads.inc({ result: status });
  const receipt = signBlobReceipt({ relayKey: ctx.identity.publicKey, blobId, size }, ctx.identity.secretKey);
  const body: BlobUploadResponse = { status, blobId: blobId.toString('hex'), size, receipt: receipt.toString('hex') };
  // An upload of a blob the relay already holds is answered unread: close instead of draining it.
  sendJson(res, status === 'stored' ? 201 : 200, body, req.readableEnded ? {} : { Connection: 'close' });
}

export async function handleBlobUpload(
  ctx: RelayContext, req: IncomingMessage, res: ServerResponse, rawId: string,
): Promise<void> {
  const blobId = parseBlobId(rawId);
  requireContentType(req, 'application/octet-stream');
  const size = declaredLength(req);
  checkDeclaredLength(size, ctx.config.maxBlobBytes, 'blob');
  if (size === 0) throw new HttpError(400, 'MALFORMED', 'a blob cannot be empty');
  const existing = await ctx.store.blobSize(blobId);
  if (existing !== undefined) {
    answer(ctx, req, res, blobId, existing, 'exists');
    return;
  }
  const address = req.socket.remoteAddress ?? 'unknown';
  let reserved = ctx.uploads.reserve(address, size);
  if (!reserved) {
    // Deposits through another process, or the sweeper, may have freed some of it.
    await ctx.uploads.recount(address, (ids) => ctx.store.unreferencedBlobs(ids));
    reserved = ctx.uploads.reserve(address, size);
  }
  if (!reserved) {
    throw new HttpError(429, 'RATE_LIMITED', 'this address has uploaded too many blob bytes no envelope references yet; deposit those envelopes first', {}, UPLOAD_BUDGET_RETRY_SECONDS);
  }
  const now = Date.now();
  let status: 'stored' | 'exists';
  try {
    ctx.disk?.admit(size);
    continueIfExpected(req, res);
    status = await ctx.store.putBlob({
      blobId,
      size,
      data: verified(countedBody(req, size), blobId),
      now,
      expiresAt: now + Math.round(ctx.config.blobTtl * 1000),
    });
  } catch (error) {
    ctx.uploads.failed(address, size);
    throw error;
  }
  if (status === 'stored') ctx.uploads.uploaded(address, blobId, size, now);
  else ctx.uploads.failed(address, size);
  answer(ctx, req, res, blobId, size, status);
}

export async function handleBlobDownload(
  ctx: RelayContext, _req: IncomingMessage, res: ServerResponse, rawId: string,
): Promise<void> {
  const blobId = parseBlobId(rawId);
  const blob = await ctx.store.openBlob(blobId);
  if (!blob) throw new HttpError(404, 'NOT_FOUND', 'no such blob (never stored, delivered, or expired)');
  if (!(await isIntact(blob.read(), blob.size, blobId))) {
    ctx.metrics.rejections.inc({ reason: 'blob_corrupt' });
    ctx.log.error({ blobId: blobId.toString('hex') }, 'stored blob is damaged (size or hash differs); refusing to serve it');
    throw new HttpError(500, 'BLOB_CORRUPT', 'the relay holds a damaged copy of this blob');
  }
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Length': blob.size,
    'Cache-Control': 'no-store',
  });
  await pipeline(Readable.from(blob.read()), res);
}

async function isIntact(data: AsyncIterable<Buffer>, size: number, blobId: Buffer): Promise<boolean> {
  const hasher = blobIdHasher();
  let seen = 0;
  try {
    for await (const chunk of data) {
      seen += chunk.length;
      if (seen > size) return false;
      hasher.update(chunk);
    }
  } catch {
    return false;
  }
  return seen === size && constantTimeEqual(hasher.digest(), blobId);
}
