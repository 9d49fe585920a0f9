import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import pinoHttp from 'pino-http';
import { loadConfig } from '../../config/config';
import { accessLine, accessLogLevel, logFormatOf, loggerParams, redactUrl } from './logging';

describe('redactUrl (access log)', () => {
  it('replaces the values of query parameters named like secrets', () => {
    expect(redactUrl('/v1/payments?api_key=sk_live_1&limit=5&access_token=abc&Signature=zz')).toBe(
      '/v1/payments?api_key=[redacted]&limit=5&access_token=[redacted]&Signature=[redacted]',
    );
    expect(redactUrl('/x?client_secret=s3cr3t&password=hunter2&sessionId=1')).not.toMatch(/s3cr3t|hunter2|=1$/);
  });

  it('keeps paths and harmless parameters as they are', () => {
    expect(redactUrl('/v1/payments/pay_1')).toBe('/v1/payments/pay_1');
    expect(redactUrl('/v1/payments?status=succeeded&limit=10')).toBe('/v1/payments?status=succeeded&limit=10');
  });

  it('hides a parameter whose name cannot be decoded', () => {
    expect(redactUrl('/x?%E0%A4%A=secret')).toBe('/x?[redacted]');
  });
});

describe('log format', () => {
  it('is pretty only on a development terminal unless LOG_FORMAT says', () => {
    expect(logFormatOf({ env: 'development' }, true)).toBe('pretty');
    expect(logFormatOf({ env: 'development' }, false)).toBe('json');
    expect(logFormatOf({ env: 'production' }, true)).toBe('json');
    expect(logFormatOf({ env: 'test' }, true)).toBe('json');
    expect(logFormatOf({ env: 'production', logFormat: 'pretty' }, false)).toBe('pretty');
    expect(logFormatOf({ env: 'development', logFormat: 'json' }, true)).toBe('json');
  });

  it('an access line names the error code of a 4xx and redacts secret query values', () => {
    const req = { method: 'GET', url: '/v1/payments?api_key=sk_1' } as never;
    const res = { statusCode: 401, locals: { errorCode: 'signature_invalid' } } as never;
    expect(accessLine(req, res, 3)).toBe('GET /v1/payments?api_key=[redacted] 401 signature_invalid (3 ms)');
    expect(accessLine(req, { statusCode: 200 } as never, 5)).toBe('GET /v1/payments?api_key=[redacted] 200 (5 ms)');
  });
});

describe('access-log sampling (ACCESS_LOG_SAMPLE_RATE)', () => {
  const res = (statusCode: number) => ({ statusCode }) as never;
  const req = {} as never;

  it('always logs failures and 4xx, and samples successful answers at the rate', () => {
    const never = accessLogLevel(0, () => 0);
    expect(never(req, res(200))).toBe('silent');
    expect(never(req, res(302))).toBe('silent');
    expect(never(req, res(401))).toBe('warn');
    expect(never(req, res(500))).toBe('error');
    expect(never(req, res(200), new Error('aborted'))).toBe('error');
    const tenth = (draw: number) => accessLogLevel(0.1, () => draw);
    expect(tenth(0.05)(req, res(201))).toBe('info');
    expect(tenth(0.1)(req, res(201))).toBe('silent');
    expect(tenth(0.99)(req, res(404))).toBe('warn');
    expect(accessLogLevel(1, () => 0.999999)(req, res(200))).toBe('info');
  });

  it("puts the simulators' successful answers at debug, and still warns of their refusals", () => {
    const level = accessLogLevel(1, () => 0);
    const at = (url: string, status: number) => level({ url } as never, res(status));
    expect(at('/sandbox/alipay/gateway.do?method=alipay.trade.query', 200)).toBe('debug');
    expect(at('/sandbox', 200)).toBe('debug');
    expect(at('/sandbox/wechatpay/v3/pay/transactions/native', 400)).toBe('warn');
    expect(at('/sandboxes', 200)).toBe('info');
    expect(at('/v1/payments', 201)).toBe('info');
  });

  it('defaults to every line, and refuses a rate outside 0..1 naming the variable', () => {
    expect(loadConfig({}).accessLogSampleRate).toBe(1);
    expect(loadConfig({ ACCESS_LOG_SAMPLE_RATE: '0.01' }).accessLogSampleRate).toBe(0.01);
    expect(() => loadConfig({ ACCESS_LOG_SAMPLE_RATE: '1.5' })).toThrow(/ACCESS_LOG_SAMPLE_RATE/);
    expect(() => loadConfig({ ACCESS_LOG_SAMPLE_RATE: 'half' })).toThrow(/ACCESS_LOG_SAMPLE_RATE/);
  });

  /** The product's pino-http options on a real HTTP server, its lines captured. */
  async function served(env: Record<string, string>, statuses: number[]): Promise<Array<Record<string, any>>> {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const params = loggerParams(loadConfig({ LOG_FORMAT: 'json', ...env }));
    const options = params.pinoHttp as object;
    const middleware = pinoHttp({ ...options, logger: pino({ level: 'info' }, sink) } as never);
    const server: Server = createServer((rq, rs) => {
      middleware(rq, rs);
      rs.statusCode = Number(rq.url!.slice(1));
      rs.end('x');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      for (const status of statuses) await fetch(`http://127.0.0.1:${port}/${status}`);
    } finally {
      await new Promise((r) => server.close(r));
    }
    return lines.map((l) => JSON.parse(l));
  }

  it('with rate 0: no line for the 200s, every 4xx and 5xx logged with its level', async () => {
    const logged = await served({ ACCESS_LOG_SAMPLE_RATE: '0' }, [200, 200, 201, 401, 200, 503]);
    expect(logged.map((l) => l.level)).toEqual([40, 50]);
    expect(logged[0].msg).toMatch(/^GET \/401 401 \(\d+ ms\)$/);
    expect(logged[1].msg).toBe('GET /503 503');
  });

  it('by default every answer has its line, as before sampling existed', async () => {
    const logged = await served({}, [200, 201, 401]);
    expect(logged.map((l) => l.level)).toEqual([30, 30, 40]);
    expect(logged[0].msg).toMatch(/^GET \/200 200 \(\d+ ms\)$/);
  });
});
