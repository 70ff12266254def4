// What `npm start` and `npm run demo` need around the app itself: where a profile lives by
// default, a storage relay as a child process on loopback, and the system browser.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AegeesError } from '../common/errors.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const RELAY_CLI = join(REPO, 'src/relay/cli.ts');

/** Where the profile lives unless --profile says otherwise. */
export function defaultProfileDir(): string {
  switch (process.platform) {
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'Aegees Desktop', 'profile');
    case 'win32':
      return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Aegees Desktop', 'profile');
    default:
      return join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'aegees-desktop', 'profile');
  }
}

export interface LocalRelay {
  readonly url: string;
  readonly port: number;
  readonly identityKey: Buffer;
  /** Graceful shutdown (SIGTERM); resolves once the process is gone. */
  stop(): Promise<void>;
}

/**
 * Runs src/relay/cli.ts on 127.0.0.1 with SQLite in `dataDir` and resolves once it listens.
 * The child stays in this process group, so Ctrl+C in the terminal reaches it too.
 */
export async function spawnLocalRelay(options: { dataDir: string; port?: number; onLog?: (line: string) => void }): Promise<LocalRelay> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', RELAY_CLI, '--host', '127.0.0.1', '--port', String(options.port ?? 0), '--data', options.dataDir, '--log-level', 'info'],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const output: string[] = [];
  const listening = await new Promise<{ url: string; port: number; identityKey: string }>((resolve, reject) => {
    let pending = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      for (let newline = pending.indexOf('\n'); newline >= 0; newline = pending.indexOf('\n')) {
        const text = pending.slice(0, newline);
        pending = pending.slice(newline + 1);
        const line = parseLogLine(text);
        if (line?.msg === 'relay listening') resolve({ url: String(line.url), port: Number(line.port), identityKey: String(line.identityKey) });
        else if (line && typeof line.level === 'number' && line.level >= 40) options.onLog?.(String(line.msg));
        output.push(text);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => output.push(chunk));
    child.once('error', reject);
    void exited.then(() =>
      reject(new AegeesError('RELAY_UNAVAILABLE', `the local relay in ${options.dataDir} did not start:\n${output.slice(-5).join('\n')}`)),
    );
  });
  return {
    url: listening.url,
    port: listening.port,
    identityKey: Buffer.from(listening.identityKey, 'hex'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function parseLogLine(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The first of these found on PATH opens the page; xdg-open picks the person's own browser. */
const LINUX_OPENERS = ['xdg-open', 'chromium', 'chromium-browser', 'google-chrome', 'firefox'];

/**
 * Opens an address in the system browser, if there is one to show it. Returns false when
 * there is none (no display, nothing installed); it never throws, since the address is
 * also printed for the person to open by hand.
 */
export function openInBrowser(url: string): boolean {
  let command: string | undefined;
  if (process.platform === 'darwin') command = 'open';
  else if (process.platform === 'win32') command = 'explorer.exe';
  else if (process.env.DISPLAY || process.env.WAYLAND_DISPLAY) command = LINUX_OPENERS.find(onPath);
  if (!command) return false;
  try {
    // One argument, no shell: the address is never parsed as a command line.
    const child = spawn(command, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** For links in messages (already checked to be https): opened only where a browser can show them. */
export async function openExternal(url: string): Promise<void> {
  if (!openInBrowser(url)) throw new AegeesError('NOT_FOUND', 'no web browser can be opened from here; copy the address instead');
}
