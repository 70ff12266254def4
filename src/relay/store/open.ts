// Picks the backend: PostgreSQL when a database URL is configured, else SQLite in DATA.
import type { RelayConfig } from '../config.js';
import type { Logger } from '../log.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { RelayStore } from './store.js';

export async function openStore(config: RelayConfig, log: Logger): Promise<RelayStore> {
  if (config.databaseUrl) {
    return openPostgresStore(
      { url: config.databaseUrl, poolSize: config.pgPoolSize, uploadTimeoutMs: config.requestTimeout * 1000 },
      log,
    );
  }
  return openSqliteStore(config.data!, log);
}
