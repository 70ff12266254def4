// Command-line options of the Electron shell. Chromium's own switches (and Playwright's
// --inspect and --remote-debugging-port) share argv, so unknown options are ignored rather
// than refused.
import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface ShellArgs {
  /** The profile to open; absent means the default profile. */
  readonly profileDir: string | undefined;
  /** The Node that runs the engine in an unpackaged build. */
  readonly engineNode: string | undefined;
}

/**
 * `argv` without the executable; positionals (the main script) are ignored. --engine-node
 * names a program to run, so a packaged app ignores it: nothing that can put arguments on
 * its command line (a shortcut, a file association) can make it start another program.
 */
export function parseShellArgs(argv: readonly string[], isPackaged: boolean): ShellArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: { profile: { type: 'string' }, 'engine-node': { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  const profile = typeof values.profile === 'string' && values.profile !== '' ? resolve(values.profile) : undefined;
  const node = values['engine-node'];
  const engineNode = !isPackaged && typeof node === 'string' && isAbsolute(node) ? node : undefined;
  return { profileDir: profile, engineNode };
}

/**
 * Chromium's data (cache, local storage, the single-instance lock) for a profile given on
 * the command line lives beside it, not inside it: a profile folder holds only the
 * engine's files. One window per profile, and two profiles can run side by side.
 */
export function shellDataDirFor(profileDir: string): string {
  return `${profileDir}-electron`;
}
