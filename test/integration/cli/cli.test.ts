// The CLI as a person or a script uses it: separate processes per command, profiles on
// disk, a real relay, --json output, and clear exit codes for mistakes.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnRelay, type RelayProcess } from '../../support/relay-process.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../..', import.meta.url));
let relay: RelayProcess;
let root: string;

async function cli(profile: string, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/host/cli.ts', '--profile', join(root, profile), ...args], {
      cwd: REPO,
      env: { ...process.env, AEGEES_PASSPHRASE: 'correct horse battery staple' },
    });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const failed = error as { stdout: string; stderr: string; code: number };
    return { stdout: failed.stdout, stderr: failed.stderr, code: failed.code };
  }
}

async function json(profile: string, ...args: string[]): Promise<unknown> {
  const result = await cli(profile, '--json', ...args);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'aegees-cli-'));
  relay = await spawnRelay();
});

afterAll(async () => {
  await relay.stop();
  await rm(root, { recursive: true, force: true });
});

// Each command is a fresh Node process that loads the engine through tsx: a dozen of them
// on a loaded two-core machine need more than the project's default test time.
describe('the CLI', { timeout: 600_000 }, () => {
  it('takes two people from init to a delivered message with an attachment', async () => {
    const relaySpec = `${relay.url}#${relay.identityKey.toString('hex')}`;
    await json('alice', 'init', '--name', 'Alice', '--relay', relaySpec);
    await json('bob', 'init', '--name', 'Bob', '--relay', relaySpec);
    const { code } = (await json('alice', 'invite')) as { code: string };
    expect(code).toMatch(/^AEGEES1:/);

    expect(await json('bob', 'add-contact', code)).toMatchObject({ displayName: 'Alice', state: 'request-sent' });
    await json('alice', 'sync', '--seconds', '2');
    expect(await json('alice', 'accept', 'Bob')).toMatchObject({ state: 'accepted' });
    await json('bob', 'sync', '--seconds', '2');

    const file = join(root, 'route.gpx');
    await writeFile(file, '<gpx>the route</gpx>');
    const sent = (await json('bob', 'send', 'Alice', 'Route attached', '--attach', file)) as { storedOn: string[] };
    expect(sent.storedOn).toEqual([relay.url]);
    await json('alice', 'sync', '--seconds', '2');
    const history = (await json('alice', 'history', 'Bob')) as { messages: Array<{ body: string; attachments: Array<{ name: string; size: number }> }> };
    expect(history.messages.map((m) => m.body)).toEqual(['Route attached']);
    expect(history.messages[0]!.attachments).toMatchObject([{ name: 'route.gpx', size: 20 }]);

    const human = await cli('alice', 'history', 'Bob');
    expect(human.stdout).toMatch(/Bob: Route attached \[file: route.gpx, 20 bytes\]/);
    const hits = (await json('alice', 'search', 'route')) as unknown[];
    expect(hits).toHaveLength(1);
  });

  it('exports the history to an encrypted file and restores it as a new profile', async () => {
    const backup = join(root, 'alice.aegees-backup');
    expect(await json('alice', 'export', backup)).toEqual({ path: backup });
    expect(await json('alice-restored', 'import', backup)).toEqual({ profile: join(root, 'alice-restored') });
    const history = (await json('alice-restored', 'history', 'Bob')) as { messages: Array<{ body: string }> };
    expect(history.messages.map((m) => m.body)).toEqual(['Route attached']);
    expect(await cli('alice-restored', 'import', backup)).toMatchObject({ code: 1, stderr: expect.stringMatching(/PROFILE_EXISTS/) });
  });

  it('answers mistakes with a message and a non-zero exit code, changing nothing', async () => {
    expect(await cli('alice', 'frobnicate')).toMatchObject({ code: 2, stderr: expect.stringMatching(/unknown command frobnicate/) });
    expect(await cli('alice', 'send', 'Nobody', 'hi')).toMatchObject({ code: 1, stderr: expect.stringMatching(/NOT_FOUND: no conversation matches "Nobody"/) });
    expect(await cli('alice', 'add-contact', 'AEGEES1:AQ')).toMatchObject({ code: 1, stderr: expect.stringMatching(/MALFORMED: contact card: truncated/) });
    const error = await cli('alice', '--json', 'add-contact', 'not a code');
    expect(error.code).toBe(1);
    expect(JSON.parse(error.stdout)).toMatchObject({ error: { code: 'MALFORMED' } });
    expect(await json('alice', 'contacts')).toHaveLength(1);
  });
});
