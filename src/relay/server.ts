// One relay process: the HTTP(S) API, the mailbox WebSocket endpoint, the sweeper, and an
// orderly shutdown (stop accepting, finish in-flight requests, close sockets, checkpoint).
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { AegeesError } from '../common/errors.js';
import { RELAY_PATHS } from '../common/relay-protocol.js';
import { isLoopbackHost, type RelayConfig } from './config.js';
import type { RelayContext } from './context.js';
import { DepositHub } from './deposit/hub.js';
import { MemoryBudget } from './http/body.js';
import { handleBlobDownload, handleBlobUpload } from './http/blobs.js';
import { handleDeposit } from './http/envelopes.js';
import { handleInfo } from './http/info.js';
import { HttpError, refuseUpgrade, sendError, sendJson } from './http/respond.js';
import { loadOrCreateIdentity } from './identity.js';
import type { Logger } from './log.js';
import { MailboxHub } from './mailbox/hub.js';
import { DiskGuard } from './disk-guard.js';
import { UploadBudget } from './upload-budget.js';
import { createMetrics } from './metrics.js';
import { TokenBuckets } from './rate-limit.js';
import { openStore } from './store/open.js';
import { startSweeper } from './sweeper.js';

export interface RunningRelay {
  readonly url: string;
  readonly port: number;
  readonly identityKey: Buffer;
  /** Graceful shutdown; resolves once the store is closed. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function startRelay(config: RelayConfig, log: Logger): Promise<RunningRelay> {
  const tls = config.tlsCert && config.tlsKey
    ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }
    : undefined;
  if (!tls && !isLoopbackHost(config.host)) {
    throw new AegeesError('INVALID_ARGUMENT', `plain HTTP is allowed only on loopback; serving ${config.host} needs --tls-cert and --tls-key`);
  }
  const identity = loadOrCreateIdentity(config.identityKey ?? join(config.data!, 'identity.key'));
  const store = await openStore(config, log);
  const disk = config.databaseUrl === undefined && config.minFreeBytes > 0
    ? await DiskGuard.start(config.data!, config.minFreeBytes, log)
    : undefined;
  const bodyBudget = new MemoryBudget(config.bodyMemory);
  const uploads = new UploadBudget(config.unreferencedBlobBytesPerAddress, config.blobTtl * 1000);
  const metrics = createMetrics(store, bodyBudget, disk);
  const ctx: RelayContext = {
    config,
    identity,
    store,
    metrics,
    log,
    bodyBudget,
    disk,
    uploads,
    // Only called once requests are served, after `mailboxes` exists.
    onDeposited: (mailboxIds, envelope) => mailboxes.deposited(mailboxIds, envelope),
  };
  const mailboxes = new MailboxHub(ctx);
  store.onRemoteDeposit((mailboxIds) => (mailboxIds.length > 0 ? mailboxes.notify(mailboxIds) : mailboxes.notifyAll()));
  const limiter = new TokenBuckets(config.rateLimit, config.rateBurst);
  const deposits = new DepositHub(ctx, limiter);
  const pruner = setInterval(() => {
    limiter.prune();
    uploads.prune(Date.now());
  }, 60_000);
  pruner.unref();
  const sweeper = startSweeper(store, config.sweepInterval * 1000, metrics, log);

  let shuttingDown = false;
  let inflight = 0;
  let idle: (() => void) | undefined;

  const rateLimited = (ip: string): HttpError | undefined => {
    const wait = limiter.take(ip);
    return wait > 0 ? new HttpError(429, 'RATE_LIMITED', 'too many requests from this address', {}, wait) : undefined;
  };

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const allow = (...methods: string[]) => {
      if (!methods.includes(req.method ?? '')) {
        res.setHeader('Allow', methods.join(', '));
        throw new HttpError(405, 'METHOD_NOT_ALLOWED', `use ${methods.join(' or ')}`);
      }
    };
    if (url.pathname === RELAY_PATHS.health) {
      allow('GET');
      await store.ping().then(
        () => sendJson(res, shuttingDown ? 503 : 200, { status: shuttingDown ? 'shutting-down' : 'ok' }),
        () => sendJson(res, 503, { status: 'store-unreachable' }),
      );
      return;
    }
    const limited = rateLimited(req.socket.remoteAddress ?? 'unknown');
    if (limited) throw limited;
    if (shuttingDown) throw new HttpError(503, 'UNAVAILABLE', 'relay shutting down', {}, 1);
    if (url.pathname === RELAY_PATHS.info) {
      allow('GET');
      handleInfo(ctx, req, res, url);
    } else if (url.pathname === RELAY_PATHS.envelopes) {
      allow('POST');
      await handleDeposit(ctx, req, res);
    } else if (url.pathname.startsWith(RELAY_PATHS.blobs)) {
      allow('PUT', 'GET');
      const id = url.pathname.slice(RELAY_PATHS.blobs.length);
      if (req.method === 'PUT') await handleBlobUpload(ctx, req, res, id);
      else await handleBlobDownload(ctx, req, res, id);
    } else if (url.pathname === RELAY_PATHS.metrics) {
      allow('GET');
      const text = await metrics.render();
      res.writeHead(200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' });
      res.end(text);
    } else if (url.pathname === RELAY_PATHS.mailbox || url.pathname === RELAY_PATHS.deposits) {
      throw new HttpError(426, 'MALFORMED', 'this endpoint is a WebSocket', {});
    } else {
      throw new HttpError(404, 'NOT_FOUND', 'no such endpoint');
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    inflight += 1;
    res.once('close', () => {
      inflight -= 1;
      if (inflight === 0) idle?.();
    });
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://relay.invalid');
    } catch {
      sendError(req, res, new HttpError(400, 'MALFORMED', 'invalid request target'));
      return;
    }
    route(req, res, url).catch((error: unknown) => {
      if (error instanceof HttpError) {
        metrics.rejections.inc({ reason: error.code.toLowerCase() });
        log.debug({ status: error.status, code: error.code, path: url.pathname }, error.message);
        sendError(req, res, error);
      } else if (req.destroyed || res.destroyed) {
        log.debug({ err: error, path: url.pathname }, 'client went away');
      } else {
        log.error({ err: error, path: url.pathname }, 'request failed');
        sendError(req, res, new HttpError(500, 'INTERNAL', 'internal error'));
      }
    });
  };

  const server = tls
    ? createHttpsServer({ ...tls, minVersion: 'TLSv1.3' }, onRequest)
    : createHttpServer(onRequest);
  // Expect: 100-continue uploads are checked (size, rate, existence) before the body is sent.
  server.on('checkContinue', onRequest);
  server.requestTimeout = config.requestTimeout * 1000;
  server.headersTimeout = 15_000;
  // Clients keep connections for many requests; a longer idle time means fewer reconnects.
  server.keepAliveTimeout = 10_000;
  server.maxConnections = config.maxConnections;

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    try {
      const url = new URL(req.url ?? '/', 'http://relay.invalid');
      if (url.pathname !== RELAY_PATHS.mailbox && url.pathname !== RELAY_PATHS.deposits) {
        throw new HttpError(404, 'NOT_FOUND', 'no WebSocket endpoint here');
      }
      const limited = rateLimited(req.socket.remoteAddress ?? 'unknown');
      if (limited) throw limited;
      if (shuttingDown) throw new HttpError(503, 'UNAVAILABLE', 'relay shutting down', {}, 1);
      if (url.pathname === RELAY_PATHS.deposits) deposits.upgrade(req, socket, head);
      else mailboxes.upgrade(req, socket, head, url);
    } catch (error) {
      const refusal = error instanceof HttpError ? error : new HttpError(400, 'MALFORMED', 'invalid upgrade request');
      metrics.rejections.inc({ reason: refusal.code.toLowerCase() });
      refuseUpgrade(socket, refusal);
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `${tls ? 'https' : 'http'}://${urlHost(config.host)}:${port}`;
  log.info({ url, port, backend: store.backend, identityKey: identity.publicKey.toString('hex') }, 'relay listening');

  let closing: Promise<void> | undefined;
  const close = async () => {
    shuttingDown = true;
    log.info('relay shutting down');
    const timeoutMs = config.shutdownTimeout * 1000;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await Promise.all([mailboxes.closeAll(timeoutMs), deposits.closeAll(timeoutMs)]);
    if (inflight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => {
          idle = resolve;
        }),
        new Promise<void>((resolve) => setTimeout(resolve, timeoutMs).unref()),
      ]);
    }
    server.closeAllConnections();
    await stopped;
    clearInterval(pruner);
    disk?.stop();
    await sweeper.stop();
    await store.close();
    log.info('relay stopped');
  };

  return {
    url,
    port,
    identityKey: identity.publicKey,
    close: () => (closing ??= close()),
  };
}
