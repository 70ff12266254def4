// The relay's disk guard on a real directory: it reads the filesystem's free space, counts
// what it admits against it, and refuses what would eat into the reserve with 507
// STORAGE_FULL and a Retry-After.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DiskGuard } from '../../../src/relay/disk-guard.js';
import { HttpError } from '../../../src/relay/http/respond.js';
import { createLogger } from '../../../src/relay/log.js';

const MiB = 1024 * 1024;
const log = createLogger('silent');
const guards: DiskGuard[] = [];
let dir: string | undefined;

afterEach(() => {
  for (const guard of guards.splice(0)) guard.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function guard(minFree: number): Promise<DiskGuard> {
  dir ??= mkdtempSync(join(tmpdir(), 'aegees-disk-guard-'));
  const started = await DiskGuard.start(dir, minFree, log);
  guards.push(started);
  return started;
}

describe('disk guard', () => {
  it('admits what leaves the reserve free, counting it, and refuses the rest', async () => {
    const free = (await guard(0)).freeBytes;
    expect(free).toBeGreaterThan(0);
    // A reserve `room` below the free space, so 0.6 × room fits once but not twice.
    const room = Math.min(1024 * MiB, Math.floor(free / 2));
    const guarded = await guard(free - room);
    guarded.admit(Math.floor(room * 0.6));
    expect(guarded.freeBytes).toBeLessThan(free - room / 2);
    let refusal: unknown;
    try {
      guarded.admit(Math.floor(room * 0.6));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(HttpError);
    expect(refusal).toMatchObject({ status: 507, code: 'STORAGE_FULL', retryAfterSeconds: 60 });
  });

  it('refuses everything when the reserve is more than the disk has', async () => {
    const full = await guard(2 ** 52);
    expect(() => full.admit(1)).toThrow(expect.objectContaining({ code: 'STORAGE_FULL' }));
  });
});
