// Structured JSON logs on stdout (pino). The first line a relay prints after binding is
// {"msg":"relay listening","port":…}, which scripts and test helpers wait for.
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'aegees-relay', pid: process.pid } });
}
