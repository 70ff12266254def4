// Starting and stopping the engine process from main. Packaged builds fork an Electron
// utility process; unpackaged ones (development, the Electron spec) spawn the system's Node,
// because npm built the native modules (the SQLite binding above all) for that Node's ABI,
// not Electron's. Either way main gets the same EngineLink and the same shutdown.
import { spawn } from 'node:child_process';
import type { UtilityProcess } from 'electron';
import { connectEngine, type EngineClient, type EngineLink, type LinkLog } from './engine-link.js';

export interface EngineProcess {
  readonly link: EngineLink;
  /** Resolves with the exit code once the process is gone (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  kill(): void;
}

export interface NodeEngineOptions {
  /** The Node executable. */
  readonly node: string;
  /** The engine entry: dist/electron/engine.cjs, or src/main/engine/entry.ts with tsx in execArgv. */
  readonly entry: string;
  readonly args: readonly string[];
  readonly execArgv?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
}

export function spawnNodeEngine(options: NodeEngineOptions): EngineProcess {
  const child = spawn(options.node, [...(options.execArgv ?? []), options.entry, ...options.args], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Structured clone instead of JSON: attachment bytes stay Uint8Array.
    serialization: 'advanced',
    env: options.env ?? process.env,
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  return {
    link: {
      send: (message) => {
        if (child.connected) child.send(message as object);
      },
      onMessage: (listener) => void child.on('message', listener),
    },
    exited,
    kill: () => void child.kill('SIGKILL'),
  };
}

/** Wraps a utility process that main forked with utilityProcess.fork (the only call that needs electron). */
export function utilityEngine(child: UtilityProcess): EngineProcess {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    link: { send: (message) => child.postMessage(message), onMessage: (listener) => void child.on('message', listener) },
    exited,
    kill: () => void child.kill(),
  };
}

export interface EngineHandle {
  readonly client: EngineClient;
  /** Asks the engine to close the profile and waits for it to exit; kills it after `graceMs`. Resolves with the exit code. */
  shutdown(graceMs: number): Promise<number | null>;
}

/** `onUnexpectedExit` runs when the engine ends without having been asked to. */
export function startEngine(engine: EngineProcess, log: LinkLog, onUnexpectedExit: (code: number | null) => void): EngineHandle {
  const client = connectEngine(engine.link, log);
  let stopping = false;
  void engine.exited.then((code) => {
    client.disconnected(stopping ? 'Aegees is shutting down' : `the engine process stopped (exit code ${code})`);
    if (!stopping) onUnexpectedExit(code);
  });
  return {
    client,
    async shutdown(graceMs) {
      stopping = true;
      client.requestShutdown();
      const timer = setTimeout(() => {
        log('the engine did not close in time; stopping it', { graceMs });
        engine.kill();
      }, graceMs);
      try {
        return await engine.exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
