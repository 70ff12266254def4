// Relay configuration: every option is a command-line flag (--max-blob-bytes) and an
// environment variable (AEGEES_RELAY_MAX_BLOB_BYTES); the flag wins.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { AegeesError } from '../common/errors.js';
import { PROTOCOL_MAX } from '../common/relay-protocol.js';

const DAY = 24 * 60 * 60;
const seconds = z.coerce.number().positive();
const count = z.coerce.number().int().positive();
const bytes = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

const Fields = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8787),
  /** Directory for the SQLite file, blob files and (by default) the identity key. */
  data: z.string().min(1).optional(),
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(),
  /** 32-byte Ed25519 seed as hex; created on first start. Default: DATA/identity.key. */
  identityKey: z.string().min(1).optional(),
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  envelopeTtl: seconds.default(14 * DAY),
  blobTtl: seconds.default(2 * DAY),
  challengeTtl: seconds.default(30),
  sweepInterval: seconds.default(60),
  // Large enough for a group of 1,000 devices (issue 4's first target): its group state
  // carries every member's card (about 420 KB for 100 accounts of 10 devices), and a message
  // to it is one deposit for every device's mailbox on this relay.
  maxEnvelopeBytes: bytes.default(1024 * 1024),
  maxMailboxesPerEnvelope: count.max(PROTOCOL_MAX.mailboxesPerEnvelope).default(PROTOCOL_MAX.mailboxesPerEnvelope),
  maxBlobsPerEnvelope: z.coerce.number().int().min(0).max(PROTOCOL_MAX.blobsPerEnvelope).default(32),
  maxBlobBytes: bytes.default(100 * 1024 * 1024),
  /** Blob bytes one address may have uploaded that no envelope references yet (ten maximal blobs); 0 = no cap. */
  unreferencedBlobBytesPerAddress: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(1024 * 1024 * 1024),
  quotaEnvelopes: count.default(10_000),
  quotaBytes: bytes.default(1024 * 1024 * 1024),
  /** Per client IP token bucket; 0 disables rate limiting. */
  rateLimit: z.coerce.number().min(0).default(20),
  rateBurst: z.coerce.number().min(0).default(100),
  pushWindow: count.max(1024).default(64),
  pushWindowBytes: bytes.default(1024 * 1024),
  /** Unanswered deposits per /v1/deposits connection; past it the relay stops reading that socket. */
  depositWindow: count.max(PROTOCOL_MAX.depositWindow).default(256),
  /** A deposit connection with nothing in flight for this long is closed; clients reopen on demand. */
  depositIdleTimeout: seconds.default(10),
  maxConnections: count.default(20_000),
  /**
   * Free space the SQLite backend keeps on its data directory's filesystem: below it new
   * deposits and uploads get 507 STORAGE_FULL, so deliveries and deletions always have room.
   * 0 turns the check off.
   */
  minFreeBytes: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(512 * 1024 * 1024),
  /** Request bodies being received, all clients together; beyond it new bodies get 503. */
  bodyMemory: bytes.default(64 * 1024 * 1024),
  requestTimeout: seconds.default(600),
  shutdownTimeout: seconds.default(10),
  pgPoolSize: count.default(10),
});

export const RelayConfig = Fields
  .refine((config) => config.data !== undefined || config.databaseUrl !== undefined, {
    message: 'give --data DIR (SQLite) or --database-url postgres://… (PostgreSQL)',
  })
  .refine((config) => config.identityKey !== undefined || config.data !== undefined, {
    message: 'give --identity-key FILE or --data DIR (which holds identity.key)',
  })
  .refine((config) => (config.tlsCert === undefined) === (config.tlsKey === undefined), {
    message: '--tls-cert and --tls-key go together',
  });
export type RelayConfig = z.infer<typeof RelayConfig>;
export type RelayConfigInput = z.input<typeof RelayConfig>;

const KEYS = Object.keys(Fields.shape) as Array<keyof RelayConfig>;

const toFlag = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const toEnv = (key: string) => `AEGEES_RELAY_${toFlag(key).replace(/-/g, '_').toUpperCase()}`;

export const USAGE = `Usage: npm run relay -- [options]

Options (each also as an environment variable, e.g. --max-blob-bytes = AEGEES_RELAY_MAX_BLOB_BYTES):
${KEYS.map((key) => `  --${toFlag(key)}`).join('\n')}

Durations are in seconds, sizes in bytes. Plain HTTP is allowed only on a loopback host;
anywhere else give --tls-cert and --tls-key.`;

export function parseRelayConfig(argv: readonly string[], env: NodeJS.ProcessEnv): RelayConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        help: { type: 'boolean' },
        ...Object.fromEntries(KEYS.map((key) => [toFlag(key), { type: 'string' as const }])),
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (cause) {
    throw new AegeesError('INVALID_ARGUMENT', `${(cause as Error).message}\n\n${USAGE}`, { cause });
  }
  if (values.help) throw new AegeesError('INVALID_ARGUMENT', USAGE);
  const raw: Record<string, unknown> = {};
  for (const key of KEYS) {
    const value = values[toFlag(key)] ?? env[toEnv(key)];
    if (value !== undefined && value !== '') raw[key] = value;
  }
  return validateRelayConfig(raw);
}

export function validateRelayConfig(raw: unknown): RelayConfig {
  const parsed = RelayConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `--${toFlag(String(issue.path[0]))}: ` : '';
    throw new AegeesError('INVALID_ARGUMENT', `${where}${issue?.message ?? 'invalid configuration'}`);
  }
  return parsed.data;
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
