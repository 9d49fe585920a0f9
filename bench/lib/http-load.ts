import autocannon from 'autocannon';
import { signRequest, SigningCredentials } from '../../libs/sdk/src/request-signing';
import { log } from './settings';

export interface LoadResult {
  /** 2xx responses per second over the run. */
  throughput: number;
  p50: number;
  p99: number;
  /** Socket errors, timeouts and non-2xx answers. */
  errors: number;
  requests: number;
  seconds: number;
  non2xx: number;
}

type AutocannonRequest = { method?: string; path?: string; headers?: Record<string, string>; body?: string };

/** Runs autocannon against `baseUrl`; `build(i)` returns request i (signed by the caller when needed). */
export async function runLoad(opts: {
  baseUrl: string;
  connections: number;
  seconds: number;
  build: (i: number) => AutocannonRequest;
}): Promise<LoadResult> {
  let n = 0;
  // A progress line every 5 s, so a long scenario is not silence (issue 20).
  const started = Date.now();
  let last = 0;
  const ticker = setInterval(() => {
    log(`  ${((Date.now() - started) / 1000).toFixed(0)} s of ${opts.seconds}: ${n - last} requests in the last 5 s`);
    last = n;
  }, 5000);
  // autocannon's instance is a thenable without `finally`.
  const result = await Promise.resolve(
    autocannon({
      url: opts.baseUrl,
      connections: opts.connections,
      duration: opts.seconds,
      timeout: 10,
      requests: [{ setupRequest: (req: AutocannonRequest) => ({ ...req, ...opts.build(n++) }) } as never],
    }),
  ).finally(() => clearInterval(ticker));
  const ok = result['2xx'];
  return {
    throughput: Math.round(ok / result.duration),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
    non2xx: result.non2xx,
    requests: result.requests.total,
    seconds: result.duration,
  };
}

export interface BenchApp extends SigningCredentials {
  appId: string;
  keyId: string;
  secret: string;
  merchantId: string;
}

/** A signed merchant request as the SDK sends it (fresh timestamp and nonce), for autocannon. */
export function signed(
  app: BenchApp,
  method: string,
  path: string,
  body?: string,
  extra: Record<string, string> = {},
): AutocannonRequest {
  const headers: Record<string, string> = { accept: 'application/json', ...extra };
  if (body !== undefined) headers['content-type'] = 'application/json';
  headers.authorization = signRequest(app, { method, pathWithQuery: path, body: body ?? '' });
  return { method, path, headers, ...(body !== undefined ? { body } : {}) };
}
