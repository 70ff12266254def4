// A TCP proxy in front of a real relay that can stop attachment bytes part-way, so a spec
// sees a transfer in flight without racing it: after `holdAfter` bytes of a blob upload's
// body (client to relay) or a blob download's answer (relay to client), it stops reading
// that side until it is released. The sender's kernel buffers (at most tcp_wmem's maximum,
// 4 MiB by default) then hold what little more the client can hand over, so a file a few
// times that size stays short of its end for as long as it is held. Everything else (the information document, deposits,
// mailbox WebSockets) passes untouched, so the relay's signed answers reach the client as
// they are and its pinned key still matches.
import { createServer, connect, type Socket } from 'node:net';

export interface StallProxy {
  /** The base URL clients use in place of the relay's. */
  readonly url: string;
  /** Hold blob uploads / downloads after `holdAfter` bytes (from the next request on). */
  holdUploads: boolean;
  holdDownloads: boolean;
  /** Uploads / downloads stopped now, waiting to be released. */
  readonly stalled: { uploads: number; downloads: number };
  /** Lets the held transfers of that kind (or both) go on and holds no more of them. */
  release(kind?: 'uploads' | 'downloads'): void;
  close(): Promise<void>;
}

export async function startStallProxy(target: string, holdAfter = 256 * 1024): Promise<StallProxy> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const paused = { uploads: new Set<Socket>(), downloads: new Set<Socket>() };
  const state = { holdUploads: false, holdDownloads: false };

  /** Forwards `from` to `to`, stopping `from` once `watch` says enough of a held transfer went through. */
  function pipe(from: Socket, to: Socket, kind: 'uploads' | 'downloads', watch: (chunk: Buffer) => boolean): void {
    from.on('data', (chunk: Buffer) => {
      to.write(chunk);
      if (watch(chunk)) {
        from.pause();
        paused[kind].add(from);
      }
    });
    from.on('end', () => to.end());
    from.on('error', () => to.destroy());
    from.on('close', () => to.destroy());
  }

  const server = createServer((client) => {
    const relay = connect(Number(upstream.port), upstream.hostname);
    sockets.add(client).add(relay);
    client.on('close', () => sockets.delete(client));
    relay.on('close', () => sockets.delete(relay));
    // Requests on a kept-alive connection come one after another: the last request line
    // seen says what the bytes that follow belong to.
    let request: 'upload' | 'download' | 'other' = 'other';
    let uploaded = 0;
    let downloaded = 0;
    pipe(client, relay, 'uploads', (chunk) => {
      const text = chunk.subarray(0, 64).toString('latin1');
      if (/^(GET|PUT|POST|HEAD|DELETE) /.test(text)) {
        request = text.startsWith('PUT /v1/blobs/') ? 'upload' : text.startsWith('GET /v1/blobs/') ? 'download' : 'other';
        uploaded = 0;
        downloaded = 0;
        return false;
      }
      if (request !== 'upload' || !state.holdUploads) return false;
      uploaded += chunk.length;
      return uploaded >= holdAfter;
    });
    pipe(relay, client, 'downloads', (chunk) => {
      if (request !== 'download' || !state.holdDownloads) return false;
      downloaded += chunk.length;
      return downloaded >= holdAfter;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');

  return {
    url: `http://127.0.0.1:${address.port}`,
    get holdUploads() {
      return state.holdUploads;
    },
    set holdUploads(value: boolean) {
      state.holdUploads = value;
    },
    get holdDownloads() {
      return state.holdDownloads;
    },
    set holdDownloads(value: boolean) {
      state.holdDownloads = value;
    },
    get stalled() {
      return { uploads: paused.uploads.size, downloads: paused.downloads.size };
    },
    release(kind) {
      for (const which of kind ? [kind] : (['uploads', 'downloads'] as const)) {
        if (which === 'uploads') state.holdUploads = false;
        else state.holdDownloads = false;
        for (const socket of paused[which]) socket.resume();
        paused[which].clear();
      }
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
