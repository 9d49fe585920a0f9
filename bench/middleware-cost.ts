import { EventEmitter } from 'node:events';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';

/**
 * CPU of the platform middleware alone, per request, without HTTP: the request metrics (`metrics`) or the
 * access log (`access-log`, the product's pino-http options writing JSON lines to a sink) run N times on
 * stand-in request/response objects, the way Express calls them, the response then finishing.
 *
 *   node -r @swc-node/register bench/middleware-cost.ts <build dir, e.g. dist> none|metrics|access-log [N]
 *
 * Pointed at two builds (or with ACCESS_LOG_SAMPLE_RATE set and unset), run several times in turn, it compares
 * their per-request cost (bench/README.md "Platform middleware").
 */
const [dist = 'dist', what = 'metrics', count = '200000'] = process.argv.slice(2);
const root = resolve(dist, 'src');
const n = Number(count);

function response(method: string, url: string, status: number) {
  const req = { method, url, originalUrl: url, headers: {}, route: { path: '/v1/payments' }, id: 'req_bench' };
  const res = Object.assign(new EventEmitter(), { req, statusCode: status, locals: {} as Record<string, string> });
  return { req, res };
}

function metrics(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Metrics } = require(`${root}/modules/observability/metrics`);
  const m = new Metrics();
  for (let i = 0; i < n; i++) {
    const { req, res } = response('POST', '/v1/payments', i % 50 === 0 ? 409 : 201);
    m.middleware(req, res, () => undefined);
    res.emit('finish');
  }
}

function accessLog(): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { loadConfig } = require(`${root}/config/config`);
  const { loggerParams } = require(`${root}/modules/observability/logging`);
  const pino = require('pino');
  const pinoHttp = require('pino-http');
  /* eslint-enable @typescript-eslint/no-require-imports */
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done();
    },
  });
  const options = loggerParams(loadConfig({ ...process.env, LOG_FORMAT: 'json' })).pinoHttp;
  const middleware = pinoHttp({ ...options, logger: pino({ level: 'info' }, sink) });
  for (let i = 0; i < n; i++) {
    const { req, res } = response('POST', '/v1/payments', i % 50 === 0 ? 409 : 201);
    middleware(req, res);
    res.emit('finish');
  }
  process.stdout.write(`access-log bytes=${bytes}\n`);
}

/** The stand-ins alone, finished with no middleware listening: the floor the other figures include. */
function none(): void {
  for (let i = 0; i < n; i++) response('POST', '/v1/payments', 201).res.emit('finish');
}

const started = process.cpuUsage();
if (what === 'none') none();
else if (what === 'metrics') metrics();
else if (what === 'access-log') accessLog();
else throw new Error(`unknown middleware '${what}' (none, metrics, access-log)`);
const used = process.cpuUsage(started);
process.stdout.write(`${what} ${dist}: ${((used.user + used.system) / n).toFixed(3)} µs CPU per request (n=${n})\n`);
