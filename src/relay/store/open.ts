// Picks the backend: PostgreSQL when a database URL is configured, else SQLite in DATA.
import type { RelayConfig } from '../config.js';
import type { Logger } from '../log.js';
import { openSqliteStore } from './sqlite.js';
import type { RelayStore } from './store.js';

export async function openStore(config: RelayConfig, log: Logger): Promise<RelayStore> {
  return openSqliteStore(config.data!, log);
}
