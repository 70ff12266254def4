// Global setup of the integration project: one private PostgreSQL cluster for the whole run
// (test files each create their own database on it), stopped when the run ends, and one
// scratch directory for relay data, removed then.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startPostgresCluster } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's PostgreSQL cluster; see createDatabase. */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const cluster = await startPostgresCluster();
  project.provide('postgresUrl', cluster.url);
  // Test workers inherit this: spawnRelay makes its data directories here, removed at the end.
  const scratch = mkdtempSync(join(tmpdir(), 'aegees-test-run-'));
  process.env.AEGEES_TEST_TMPDIR = scratch;
  return async () => {
    await cluster.stop();
    rmSync(scratch, { recursive: true, force: true });
  };
}
