import { accessLine, logFormatOf, redactUrl } from './logging';

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
