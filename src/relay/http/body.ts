// Request bodies, bounded before a byte is buffered: the declared Content-Length is checked
// against the limit first (413), chunked bodies without a length are refused (411), and the
// bytes that actually arrive are counted against the declaration. Bodies being received
// share one memory budget, so slow clients together cannot hold more than it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from './respond.js';

export class MemoryBudget {
  private used = 0;

  constructor(private readonly limit: number) {}

  tryReserve(bytes: number): boolean {
    if (this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used -= bytes;
  }

  get reserved(): number {
    return this.used;
  }
}

export function declaredLength(req: IncomingMessage): number {
  const header = req.headers['content-length'];
  if (header === undefined || req.headers['transfer-encoding'] !== undefined) {
    throw new HttpError(411, 'LENGTH_REQUIRED', 'a Content-Length header is required');
  }
  if (!/^\d{1,15}$/.test(header)) throw new HttpError(400, 'MALFORMED', 'invalid Content-Length');
  return Number(header);
}

export function requireContentType(req: IncomingMessage, expected: string): void {
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== expected) throw new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Type must be ${expected}`);
}

/** Sends 100 Continue if the client waits for it: the headers passed every check. */
export function continueIfExpected(req: IncomingMessage, res: ServerResponse): void {
  if (req.headers.expect?.toLowerCase() === '100-continue') res.writeContinue();
}

export function checkDeclaredLength(length: number, limit: number, what: string): void {
  if (length > limit) throw new HttpError(413, 'TOO_LARGE', `${what} of ${length} bytes exceeds the limit of ${limit}`);
}

/** Reads a whole (small) body of at most `limit` bytes. */
export async function readBody(
  req: IncomingMessage, res: ServerResponse, limit: number, budget: MemoryBudget,
): Promise<Buffer> {
  const length = declaredLength(req);
  checkDeclaredLength(length, limit, 'body');
  if (!budget.tryReserve(length)) {
    throw new HttpError(503, 'UNAVAILABLE', 'the relay is receiving too many request bodies; retry later', {}, 1);
  }
  try {
    continueIfExpected(req, res);
    const body = Buffer.alloc(length);
    let offset = 0;
    for await (const chunk of countedBody(req, length)) {
      chunk.copy(body, offset);
      offset += chunk.length;
    }
    return body;
  } finally {
    budget.release(length);
  }
}

/** Yields the body's chunks, failing if the byte count disagrees with `length`. */
export async function* countedBody(req: IncomingMessage, length: number): AsyncGenerator<Buffer> {
  let received = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > length) throw new HttpError(413, 'TOO_LARGE', 'body longer than its Content-Length');
    yield chunk;
  }
  if (received !== length) throw new HttpError(400, 'MALFORMED', 'body shorter than its Content-Length');
}
