import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { isAegeesError } from '../../../src/common/errors.js';

/** A plain copy, so equality ignores the guarded-memory marker on sodium buffers. */
export function plain(buffer: Buffer | undefined): Buffer | undefined {
  return buffer && Buffer.from(buffer);
}

/** True for buffers sodium-native allocated in guarded memory. */
export function isSecure(buffer: Buffer | undefined): boolean {
  return (buffer as (Buffer & { secure?: boolean }) | undefined)?.secure === true;
}

/** The AegeesError code the promise rejects with, or undefined when it resolves. */
export async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (isAegeesError(error)) return error.code;
    throw error;
  }
  return undefined;
}

/**
 * The parent's environment without any way to reach a display or a D-Bus session (so no
 * keychain), or with `busAddress` as the session bus. `runtimeDir` must be an empty
 * directory: libdbus and GDBus also look for $XDG_RUNTIME_DIR/bus.
 */
export function environmentWithoutKeychain(runtimeDir: string, busAddress?: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['DISPLAY', 'WAYLAND_DISPLAY', 'DBUS_SESSION_BUS_ADDRESS']) delete env[name];
  env.XDG_RUNTIME_DIR = runtimeDir;
  if (busAddress !== undefined) env.DBUS_SESSION_BUS_ADDRESS = busAddress;
  return env;
}

const runFile = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** Runs a command from the repository root and parses the last line it prints as JSON. */
export async function runJson<T>(command: readonly string[], env: NodeJS.ProcessEnv): Promise<T> {
  const [file, ...args] = command;
  const { stdout } = await runFile(file!, args, { cwd: repoRoot, env, timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as T;
}

/** `node --import tsx script args…`, for child processes that run project TypeScript. */
export function tsxCommand(script: string, ...args: string[]): string[] {
  return [process.execPath, '--import', 'tsx', script, ...args];
}
