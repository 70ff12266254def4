// Spawns real relay processes (src/relay/cli.ts) on 127.0.0.1 with an ephemeral port and
// waits for their "relay listening" log line. Used by the relay's integration tests, the
// benchmarks, and later by the messenger's tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestCertificate } from './certs.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(REPO, 'src/relay/cli.ts');

export interface RelayProcessOptions {
  /** Directory for relay.db, blobs and identity.key; a fresh temporary one by default. */
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly identityKeyPath?: string;
  readonly tls?: TestCertificate;
  /** Further options, as flag name (without --) to value. */
  readonly flags?: Readonly<Record<string, string | number>>;
  readonly env?: NodeJS.ProcessEnv;
  /** Options for the relay's Node itself, e.g. --cpu-prof (NODE_OPTIONS refuses some of them). */
  readonly nodeArgs?: readonly string[];
}

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface RelayProcess {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly identityKey: Buffer;
  readonly dataDir: string;
  readonly logs: LogLine[];
  /** Resolves with the exit code (or signal) once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (graceful shutdown) and wait for exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

/** Relays this process started, and the data directories it made for them. */
const running = new Set<ChildProcess>();
const madeDirs = new Set<string>();
// A crashed test must not leave relays behind; temporary data goes when the test process ends
// (not at stop: a test may restart a relay on the same directory).
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
});

function flagsFor(options: RelayProcessOptions, dataDir: string): string[] {
  const flags: Record<string, string | number> = {
    host: '127.0.0.1',
    port: 0,
    data: dataDir,
    'log-level': 'info',
    ...(options.databaseUrl ? { 'database-url': options.databaseUrl } : {}),
    ...(options.identityKeyPath ? { 'identity-key': options.identityKeyPath } : {}),
    ...(options.tls ? { 'tls-cert': options.tls.certPath, 'tls-key': options.tls.keyPath } : {}),
    ...options.flags,
  };
  return Object.entries(flags).flatMap(([name, value]) => [`--${name}`, String(value)]);
}

function collectLogs(child: ChildProcess, logs: LogLine[], onLine: (line: LogLine) => void): void {
  let pending = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    pending += chunk;
    let newline;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      try {
        const line = JSON.parse(text) as LogLine;
        logs.push(line);
        onLine(line);
      } catch {
        logs.push({ level: 0, msg: text });
      }
    }
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => logs.push({ level: 0, msg: chunk }));
}

/** Starts a relay and resolves once it listens; rejects (with its logs) if it exits first. */
export async function spawnRelay(options: RelayProcessOptions = {}): Promise<RelayProcess> {
  const level = options.flags?.['log-level'];
  if (level !== undefined && !['info', 'debug', 'trace'].includes(String(level))) {
    throw new Error('spawnRelay waits for the info-level "relay listening" line: log-level must be info, debug or trace');
  }
  let dataDir = options.dataDir;
  if (dataDir === undefined) {
    dataDir = mkdtempSync(join(process.env.AEGEES_TEST_TMPDIR ?? tmpdir(), 'aegees-relay-'));
    madeDirs.add(dataDir);
  }
  const logs: LogLine[] = [];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', CLI, ...flagsFor(options, dataDir)], {
    cwd: REPO,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  const listening = await new Promise<LogLine>((resolve, reject) => {
    collectLogs(child, logs, (line) => {
      if (line.msg === 'relay listening') resolve(line);
    });
    void exited.then(({ code, signal }) => {
      reject(new RelayExitedError(`relay exited (${code ?? signal}) before listening`, code, logs));
    });
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return {
    url: String(listening.url),
    port: Number(listening.port),
    pid: child.pid!,
    identityKey: Buffer.from(String(listening.identityKey), 'hex'),
    dataDir,
    logs,
    exited,
    stop,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export class RelayExitedError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
    readonly logs: readonly LogLine[],
  ) {
    super(`${message}\n${logs.map((line) => JSON.stringify(line)).join('\n')}`);
  }
}
