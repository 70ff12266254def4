// Storage relay benchmarks, each against a bare `ws` forwarding server measured in the same
// run with the same load generator:
//  1. saturation throughput of durable deposit → push → ack → delete to 100 connected
//     mailboxes (SQLite backend, the default), as a ratio to forwarding the same messages;
//  2. p50/p99 latency (deposit start → push received) at 25% of that saturation rate;
//  3. resident memory per idle authenticated mailbox connection at 5,000 connections.
// Prints Markdown for docs/BENCHMARKS.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { RelayClient } from '../../src/core/relay-client/client.js';
import type { MailboxSession } from '../../src/core/relay-client/mailbox.js';
import { mailboxIdFor } from '../../src/core/crypto/mailbox.js';
import { randomBytes } from '../../src/core/crypto/sodium.js';
import { spawnRelay, type RelayProcess } from '../../test/support/relay-process.js';

const MAILBOXES = 100;
const ENVELOPE_BYTES = 1024;
const IN_FLIGHT = 200;
const WARMUP = 3_000;
const MESSAGES = Number(process.env.AEGEES_BENCH_MESSAGES ?? 30_000);
const LATENCY_SECONDS = 15;
const IDLE_CONNECTIONS = 5_000;
/** AEGEES_BENCH_RELAY_PROFILE=DIR writes a CPU profile of the throughput and latency relay there. */
const PROFILE_DIR = process.env.AEGEES_BENCH_RELAY_PROFILE;

const fixed = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Progress on stderr; stdout is the Markdown. */
const progress = (message: string) => process.stderr.write(`[relay bench] ${message}\n`);

/** CPU seconds (user + system) a process has used so far. */
function cpuOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function ownCpu(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

interface Rate {
  readonly perSecond: number;
  /** CPU microseconds per message: the server process, and the load generator. */
  readonly serverCpu: number;
  readonly generatorCpu: number;
}

function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((entry) => entry.startsWith('VmRSS:'))!;
  return Number(line.replace(/\D+/g, '')) * 1024;
}

// ------------------------------------------------------------ the baseline server

/** A bare ws forwarder: frame [u16 mailbox][payload] from a sender goes to that mailbox's socket. */
function runForwarder(): void {
  const receivers = new Map<number, WebSocket>();
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  server.on('connection', (ws, req) => {
    const index = new URL(req.url ?? '/', 'http://x').searchParams.get('receiver');
    if (index !== null) receivers.set(Number(index), ws);
    ws.on('message', (data: Buffer) => {
      if (index !== null) return; // an ack: dropped, as a relay without storage would
      receivers.get(data.readUInt16BE(0))?.send(data.subarray(2));
    });
  });
  server.on('listening', () => console.log(JSON.stringify({ port: (server.address() as { port: number }).port })));
}

async function spawnForwarder(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--forwarder'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (chunk: Buffer) => resolve(JSON.parse(String(chunk)).port)));
  return { url: `ws://127.0.0.1:${port}`, child };
}

// ------------------------------------------------------------ load generation

/** One message path under test: `send` starts a message; receipt is reported via `onDelivered`. */
interface Target {
  /** The server process. */
  readonly pid: number;
  send(mailbox: number, msgId: Buffer, envelope: Buffer): Promise<void>;
  /** Resolves once everything delivered so far is also gone from the server (the relay's delete). */
  settled(delivered: number): Promise<void>;
  close(): Promise<void>;
}

type Deliveries = Map<string, (at: number) => void>;

async function forwarderTarget(deliveries: Deliveries): Promise<Target> {
  const { url, child } = await spawnForwarder();
  const receivers = await Promise.all(Array.from({ length: MAILBOXES }, (_, index) => new Promise<WebSocket>((resolve) => {
    const ws = new WebSocket(`${url}/?receiver=${index}`, { perMessageDeflate: false });
    ws.on('message', (data: Buffer) => {
      const msgId = data.subarray(0, 16);
      deliveries.get(msgId.toString('hex'))?.(performance.now());
      ws.send(msgId);
    });
    ws.once('open', () => resolve(ws));
  })));
  const senders = await Promise.all(Array.from({ length: 8 }, () => new Promise<WebSocket>((resolve) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
  })));
  let next = 0;
  return {
    pid: child.pid!,
    async send(mailbox, msgId, envelope) {
      const frame = Buffer.allocUnsafe(2 + 16 + envelope.length);
      frame.writeUInt16BE(mailbox, 0);
      msgId.copy(frame, 2);
      envelope.copy(frame, 18);
      senders[(next = (next + 1) % senders.length)]!.send(frame);
    },
    settled: async () => undefined,
    async close() {
      for (const ws of [...receivers, ...senders]) ws.terminate();
      child.kill();
    },
  };
}

async function metric(relay: RelayProcess, line: string): Promise<number> {
  const text = await (await fetch(`${relay.url}/metrics`)).text();
  const found = text.split('\n').find((entry) => entry.startsWith(`${line} `));
  return found ? Number(found.slice(found.lastIndexOf(' ') + 1)) : 0;
}

async function relayTarget(deliveries: Deliveries, relay: RelayProcess): Promise<Target> {
  const client = new RelayClient({ url: relay.url, relayKey: relay.identityKey });
  const roots = Array.from({ length: MAILBOXES }, () => randomBytes(32));
  const ids = roots.map((root) => mailboxIdFor(root, relay.identityKey));
  const sessions: MailboxSession[] = await Promise.all(roots.map((rootSecret) => client.connectMailbox({
    rootSecret,
    onEnvelope: (pushed, session) => {
      deliveries.get(pushed.msgId.toString('hex'))?.(performance.now());
      session.ack([pushed.msgId]);
    },
  })));
  return {
    pid: relay.pid,
    async send(mailbox, msgId, envelope) {
      await client.deposit({ msgId, mailboxIds: [ids[mailbox]!], envelope });
    },
    async settled(delivered) {
      while ((await metric(relay, 'aegees_relay_deletions_total{kind="envelope"}')) < delivered) await sleep(5);
    },
    async close() {
      await Promise.all(sessions.map((session) => session.close()));
      client.close();
    },
  };
}

/** Sends one message and resolves with its latency (ms) once the mailbox has it. */
function roundTrip(target: Target, deliveries: Deliveries, mailbox: number, envelope: Buffer): Promise<number> {
  const msgId = randomBytes(16);
  const key = msgId.toString('hex');
  const start = performance.now();
  return new Promise<number>((resolve, reject) => {
    deliveries.set(key, (at) => {
      deliveries.delete(key);
      resolve(at - start);
    });
    target.send(mailbox, msgId, envelope).catch(reject);
  });
}

/** Closed loop, IN_FLIGHT messages outstanding: messages per second including the final deletes. */
async function saturate(target: Target, deliveries: Deliveries, count: number, alreadyDelivered: number): Promise<Rate> {
  const envelope = randomBytes(ENVELOPE_BYTES);
  let sent = 0;
  const serverCpu = cpuOf(target.pid);
  const generatorCpu = ownCpu();
  const start = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (sent < count) {
      const mailbox = sent % MAILBOXES;
      sent += 1;
      await roundTrip(target, deliveries, mailbox, envelope);
    }
  }));
  await target.settled(alreadyDelivered + count);
  return {
    perSecond: count / ((performance.now() - start) / 1000),
    serverCpu: ((cpuOf(target.pid) - serverCpu) / count) * 1e6,
    generatorCpu: ((ownCpu() - generatorCpu) / count) * 1e6,
  };
}

/** Open loop at `rate` messages per second: latencies of every message, sorted. */
async function latencies(target: Target, deliveries: Deliveries, rate: number): Promise<number[]> {
  const envelope = randomBytes(ENVELOPE_BYTES);
  const results: Array<Promise<number>> = [];
  const start = performance.now();
  const total = Math.round(rate * LATENCY_SECONDS);
  while (results.length < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    while (results.length < due) results.push(roundTrip(target, deliveries, results.length % MAILBOXES, envelope));
    await sleep(1);
  }
  return (await Promise.all(results)).sort((a, b) => a - b);
}

// ------------------------------------------------------------ idle connections

async function idleMemory(connect: () => Promise<{ close(): void }>, pid: number, ready: () => Promise<boolean>): Promise<number> {
  await (await connect()).close();
  await sleep(2000);
  const before = rssOf(pid);
  const connections = [];
  for (let i = 0; i < IDLE_CONNECTIONS; i += 200) {
    connections.push(...(await Promise.all(Array.from({ length: Math.min(200, IDLE_CONNECTIONS - i) }, connect))));
  }
  while (!(await ready())) await sleep(50);
  await sleep(3000);
  const after = rssOf(pid);
  for (const connection of connections) connection.close();
  return (after - before) / IDLE_CONNECTIONS;
}

const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;

async function main(): Promise<void> {
  const loadAtStart = loadAverage();
  const deliveries: Deliveries = new Map();
  const relayFlags = { 'rate-limit': 0, 'max-connections': 20_000 };

  // Throughput and latency: the baseline first, then the relay, same generator, same messages.
  const forwarder = await forwarderTarget(deliveries);
  await saturate(forwarder, deliveries, WARMUP, 0);
  const forwardRate = await saturate(forwarder, deliveries, MESSAGES, 0);
  await forwarder.close();
  progress(`baseline forwarding: ${fixed(forwardRate.perSecond)} messages/s`);

  const relay = await spawnRelay({
    flags: relayFlags,
    ...(PROFILE_DIR ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] } : {}),
  });
  const target = await relayTarget(deliveries, relay);
  await saturate(target, deliveries, WARMUP, 0);
  const relayRate = await saturate(target, deliveries, MESSAGES, WARMUP);
  progress(`relay: ${fixed(relayRate.perSecond)} messages/s`);
  const latencyRate = Math.round(relayRate.perSecond * 0.25);
  const relayLatency = await latencies(target, deliveries, latencyRate);
  await target.close();
  await relay.stop();
  rmSync(relay.dataDir, { recursive: true, force: true });

  const baselineForLatency = await forwarderTarget(deliveries);
  const forwardLatency = await latencies(baselineForLatency, deliveries, latencyRate);
  await baselineForLatency.close();

  // Memory per idle connection: authenticated mailbox connections vs. bare ws connections.
  const idleRelay = await spawnRelay({ flags: relayFlags });
  const idleClient = new RelayClient({ url: idleRelay.url, relayKey: idleRelay.identityKey });
  let connected = 0;
  const relayPerConnection = await idleMemory(
    async () => {
      const session = await idleClient.connectMailbox({ rootSecret: randomBytes(32), onEnvelope: () => undefined });
      connected += 1;
      return { close: () => void session.close() };
    },
    idleRelay.pid,
    async () => connected >= IDLE_CONNECTIONS + 1 && (await metric(idleRelay, 'aegees_relay_connected_mailboxes')) >= IDLE_CONNECTIONS,
  );
  idleClient.close();
  await idleRelay.stop();
  rmSync(idleRelay.dataDir, { recursive: true, force: true });

  const { url, child } = await spawnForwarder();
  let open = 0;
  const bareUrl = `${url}/?receiver=0`;
  const barePerConnection = await idleMemory(
    () => new Promise((resolve) => {
      const ws = new WebSocket(bareUrl, { perMessageDeflate: false });
      ws.once('open', () => {
        open += 1;
        resolve({ close: () => ws.terminate() });
      });
    }),
    child.pid!,
    async () => open >= IDLE_CONNECTIONS + 1,
  );
  child.kill();

  const ms = (value: number) => fixed(value, 2);
  console.log([
    '## Relay',
    '',
    `Command: \`npm run bench -- relay\`. SQLite backend (WAL: every deposit is fsync'd before its`,
    `answer, by an fdatasync of the WAL off the event loop), deposits over the client library's`,
    `deposit WebSocket (binary deposit and push frames; one signed receipt per frame of answers),`,
    `plain WS on loopback, load generator in one process on the same machine. ${MAILBOXES} connected mailboxes, ${fixed(ENVELOPE_BYTES)}-byte envelopes, ${IN_FLIGHT} messages in flight,`,
    `${fixed(MESSAGES)} measured messages after ${fixed(WARMUP)} warm-up. Baseline: a bare \`ws\` server that forwards each`,
    'frame to the mailbox socket (no storage, no auth, no validation), driven by the same generator.',
    `The machine is shared: its 1-minute load average was ${loadAtStart} at the start of this run and`,
    `${loadAverage()} at the end. CPU per message (server process, and the generator) is measured`,
    'from /proc and process.cpuUsage over the throughput run, so it is less sensitive to that load.',
    '',
    '### Throughput: deposit → push → ack → delete',
    '',
    '| path | messages/s | ratio to baseline | server CPU µs/message | generator CPU µs/message |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| relay (durable deposit, push, ack, delete) | ${fixed(relayRate.perSecond)} | **${fixed(relayRate.perSecond / forwardRate.perSecond, 2)}** | ${fixed(relayRate.serverCpu)} | ${fixed(relayRate.generatorCpu)} |`,
    `| bare ws forwarding (baseline) | ${fixed(forwardRate.perSecond)} | 1.00 | ${fixed(forwardRate.serverCpu)} | ${fixed(forwardRate.generatorCpu)} |`,
    '',
    `### Latency at 25% of the relay's saturation rate (${fixed(latencyRate)} messages/s, open loop, ${LATENCY_SECONDS} s)`,
    '',
    '| path | p50 ms | p99 ms | max ms |',
    '| --- | ---: | ---: | ---: |',
    `| relay, deposit start → push received | ${ms(percentile(relayLatency, 50))} | **${ms(percentile(relayLatency, 99))}** | ${ms(relayLatency.at(-1)!)} |`,
    `| bare ws forwarding, send → received | ${ms(percentile(forwardLatency, 50))} | ${ms(percentile(forwardLatency, 99))} | ${ms(forwardLatency.at(-1)!)} |`,
    '',
    `### Resident memory per idle connection (${fixed(IDLE_CONNECTIONS)} connections)`,
    '',
    '| server | KiB per connection | ratio to baseline |',
    '| --- | ---: | ---: |',
    `| relay, authenticated mailbox connections | ${fixed(relayPerConnection / 1024, 1)} | **${fixed(relayPerConnection / barePerConnection, 2)}** |`,
    `| bare ws server (baseline) | ${fixed(barePerConnection / 1024, 1)} | 1.00 |`,
  ].join('\n'));
}

if (process.argv.includes('--forwarder')) runForwarder();
else {
  await main();
  process.exit(0);
}
