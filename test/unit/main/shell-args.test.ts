// The shell's command line: its own options among Chromium's and Playwright's switches;
// a packaged app never runs a program named on its command line.
import { describe, expect, it } from 'vitest';
import { parseShellArgs, shellDataDirFor } from '../../../src/main/shell-args.js';

describe('parseShellArgs', () => {
  it('reads --profile and --engine-node among switches it does not know', () => {
    const args = parseShellArgs(['--inspect=0', '--remote-debugging-port=0', '/repo/dist/electron/main.cjs', '--profile', '/tmp/p', '--engine-node=/usr/bin/node', '--no-sandbox'], false);
    expect(args).toEqual({ profileDir: '/tmp/p', engineNode: '/usr/bin/node' });
  });

  it('resolves a relative profile against the working directory', () => {
    expect(parseShellArgs(['--profile', 'p'], false).profileDir).toBe(`${process.cwd()}/p`);
  });

  it('has no profile and no engine Node when none is given', () => {
    expect(parseShellArgs([], false)).toEqual({ profileDir: undefined, engineNode: undefined });
  });

  it('ignores --engine-node in a packaged app, and a relative one anywhere', () => {
    expect(parseShellArgs(['--engine-node', '/tmp/evil'], true).engineNode).toBeUndefined();
    expect(parseShellArgs(['--engine-node', 'node'], false).engineNode).toBeUndefined();
  });

  it("keeps Chromium's data beside the profile, not inside it", () => {
    expect(shellDataDirFor('/home/ada/profile')).toBe('/home/ada/profile-electron');
  });
});
