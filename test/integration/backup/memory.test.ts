// Export and restore stream: their memory does not grow with the history's size.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MIB = 1024 ** 2;
const child = fileURLToPath(new URL('./fixtures/backup-memory.ts', import.meta.url));

describe('backup in bounded memory', () => {
  it('exports and restores a 512 MiB attachment with a peak RSS growth far below its size', async () => {
    const root = await mkdtemp(join(tmpdir(), 'aegees-backup-memory-'));
    try {
      // A child process, so the peak RSS is the backup's alone.
      const result = spawnSync(process.execPath, ['--import', 'tsx', child, root, String(512 * MIB)], { encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as { same: boolean; startMaxRss: number; maxRss: number };
      expect(report.same).toBe(true);
      expect(report.maxRss - report.startMaxRss).toBeLessThan(128 * MIB);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
