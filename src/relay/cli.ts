// `npm run relay -- --port P --data DIR` (or --database-url postgres://…). Exits non-zero
// with a clear log line when the configuration is wrong or the stored data is damaged.
import { isAegeesError } from '../common/errors.js';
import { parseRelayConfig } from './config.js';
import { createLogger } from './log.js';
import { startRelay } from './server.js';
import { StoreCorruptError } from './store/store.js';

/** Exit codes: 2 = bad configuration, 3 = damaged data (refused to serve), 1 = anything else. */
async function main(): Promise<void> {
  let config;
  try {
    config = parseRelayConfig(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
  let relay;
  try {
    relay = await startRelay(config, log);
  } catch (error) {
    if (error instanceof StoreCorruptError) {
      log.fatal({ err: error }, `refusing to serve damaged data: ${error.message}`);
      process.exit(3);
    }
    log.fatal({ err: error }, `relay failed to start: ${(error as Error).message}`);
    process.exit(isAegeesError(error, 'INVALID_ARGUMENT') ? 2 : 1);
  }
  const stop = (signal: string) => {
    log.info({ signal }, 'stopping');
    relay.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

await main();
