import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Native modules (sodium-native, keytar, SQLite) are safest in child processes.
    pool: 'forks',
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          testTimeout: 30_000,
          // Projects with different worker limits must run as separate groups (vitest 4).
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-setup.ts'],
          // Real servers and real files: generous limits, and no more workers than cores.
          testTimeout: 180_000,
          hookTimeout: 180_000,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
