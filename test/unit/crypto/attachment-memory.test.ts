import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
const child = fileURLToPath(new URL('./fixtures/stream-1gib.ts', import.meta.url));

describe('attachment streams in bounded memory', () => {
  it('encrypt and decrypt 1 GiB with a peak RSS growth far below the data size', () => {
    // A child process, so the peak RSS is the streaming's alone. What remains above the
    // start is V8's slack for dead 64 KiB buffers (it collects external memory in ~64 MiB
    // steps), not data: the same growth shows for 64 MiB and for 4 GiB.
    const result = spawnSync(process.execPath, ['--import', 'tsx', child, String(GIB)], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { bytes: number; startRss: number; maxRss: number };
    expect(report.bytes).toBe(GIB);
    expect(report.maxRss - report.startRss).toBeLessThan(128 * MIB);
  });
});
