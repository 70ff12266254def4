// HTTP(S) to one relay over a keep-alive agent. Plain HTTP is refused unless the relay is
// on loopback: every transfer is encrypted in transit. Answers are bounded before they are
// buffered, and every failure becomes a RelayRequestError.
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AegeesError } from '../../common/errors.js';
import { errorFromResponse, unavailable } from './errors.js';

/** JSON answers are small (receipts, errors, the info document). */
const MAX_JSON_RESPONSE_BYTES = 64 * 1024;

export interface TransportOptions {
  /** Extra trusted CA certificates (PEM), e.g. a private relay's own CA. */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  readonly timeoutMs?: number;
}

export interface JsonAnswer {
  readonly status: number;
  readonly body: unknown;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Validates a relay base URL: https anywhere, http only on loopback. */
export function relayBaseUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AegeesError('INVALID_ARGUMENT', `not a relay URL: ${url}`);
  }
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopback(parsed.hostname))) {
    throw new AegeesError('INVALID_ARGUMENT', `relay URLs must be https:// (plain http only on loopback): ${url}`);
  }
  parsed.search = '';
  parsed.hash = '';
  return parsed;
}

class StaleSocketError extends Error {}

export class RelayTransport {
  private readonly agent: HttpAgent;
  private readonly timeoutMs: number;
  /** The base URL's path without its trailing slash; API paths are appended to it. */
  private readonly prefix: string;

  constructor(
    readonly base: URL,
    private readonly options: TransportOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.prefix = base.pathname.replace(/\/+$/, '');
    this.agent = base.protocol === 'https:'
      ? new HttpsAgent({ keepAlive: true, ca: options.ca as string[] | undefined, minVersion: 'TLSv1.3' })
      : new HttpAgent({ keepAlive: true });
  }

  /** The WebSocket URL of a path on this relay (wss for https). */
  wsUrl(path: string): string {
    const url = new URL(this.base.href);
    url.protocol = this.base.protocol === 'https:' ? 'wss:' : 'ws:';
    url.pathname = `${this.prefix}${path}`;
    return url.href;
  }

  get tlsOptions(): { ca?: string[] } {
    return this.options.ca === undefined ? {} : { ca: this.options.ca as string[] };
  }

  private start(method: string, path: string, headers: Record<string, string | number>): ReturnType<typeof httpRequest> {
    const url = new URL(`${this.prefix}${path}`, this.base);
    const options: RequestOptions = { method, headers, agent: this.agent, timeout: this.timeoutMs };
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, options);
    req.on('timeout', () => req.destroy(unavailable(`relay did not answer within ${this.timeoutMs} ms`)));
    return req;
  }

  /**
   * Sends an optional body and resolves with the response head. A kept-alive socket the relay
   * closed just as it was reused fails before any answer; every relay request is idempotent
   * (deposits by msgId, uploads by content), so that case is retried once on a fresh socket,
   * unless a streamed body has already started.
   */
  private async exchange(
    method: string, path: string, headers: Record<string, string | number>, body?: Buffer | AsyncIterable<Uint8Array>,
  ): Promise<IncomingMessage> {
    try {
      return await this.attempt(method, path, headers, body);
    } catch (error) {
      if (!(error instanceof StaleSocketError)) throw error;
      return this.attempt(method, path, headers, body);
    }
  }

  private attempt(
    method: string, path: string, headers: Record<string, string | number>, body?: Buffer | AsyncIterable<Uint8Array>,
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const req = this.start(method, path, headers);
      let answered = false;
      let streaming = false;
      req.on('response', (res) => {
        answered = true;
        resolve(res);
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        // A relay may refuse (413, 429, …) and close while the body is still being sent.
        if (answered) return;
        if (req.reusedSocket && !streaming && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
          reject(new StaleSocketError(error.message));
        } else reject(error instanceof AegeesError ? error : unavailable(`relay unreachable: ${error.message}`, error));
      });
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        // Expect: 100-continue, so a refusal costs no upload.
        req.once('continue', () => {
          streaming = true;
          pipeline(Readable.from(body), req).catch((error: unknown) => {
            if (!answered) reject(unavailable(`upload failed: ${(error as Error).message}`, error));
            req.destroy();
          });
        });
      }
    });
  }

  private async readJson(res: IncomingMessage): Promise<JsonAnswer> {
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_JSON_RESPONSE_BYTES) throw unavailable('relay answer is too large');
        chunks.push(chunk);
      }
    } catch (error) {
      throw error instanceof AegeesError ? error : unavailable(`relay answer interrupted: ${(error as Error).message}`, error);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const status = res.statusCode ?? 0;
    if (status >= 400) throw errorFromResponse(status, body, res.headers['retry-after']);
    if (body === undefined) throw unavailable(`relay answered ${status} with a body that is not JSON`);
    return { status, body };
  }

  async getJson(path: string): Promise<JsonAnswer> {
    return this.readJson(await this.exchange('GET', path, { Accept: 'application/json' }));
  }

  async putStream(path: string, size: number, data: AsyncIterable<Uint8Array>): Promise<JsonAnswer> {
    const headers = { 'Content-Type': 'application/octet-stream', 'Content-Length': size, Expect: '100-continue' };
    return this.readJson(await this.exchange('PUT', path, headers, data));
  }

  /** GET returning the body stream on 200; refusals become errors. */
  async getStream(path: string): Promise<IncomingMessage> {
    const res = await this.exchange('GET', path, { Accept: 'application/octet-stream' });
    if (res.statusCode === 200) return res;
    await this.readJson(res);
    throw unavailable(`relay answered ${res.statusCode} to a download`);
  }

  close(): void {
    this.agent.destroy();
  }
}
