import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { PaygridSignatureError } from './errors';
import { PaygridClient } from './paygrid-client';
import { responseStringToSign } from './response-verification';

/** A fake platform: signs its answers with an Ed25519 key published in a JWKS, as the server does. */
function fakePlatform(
  answers: Array<{ status: number; body: unknown; headers?: Record<string, string> }>,
  opts: { tamper?: boolean; jwksFailures?: number } = {},
) {
  let jwksFailures = opts.jwksFailures ?? 0;
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const kid = 'pk_test';
  const calls: Array<{ url: string; headers: Record<string, string>; body?: string }> = [];
  const fetchFn = (async (input: string | URL, init?: RequestInit) => {
    const url = String(input);
    if (url.endsWith('/.well-known/jwks.json')) {
      if (jwksFailures-- > 0) return new Response('{}', { status: 503, headers: { 'retry-after': '1' } });
      return new Response(
        JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'EdDSA' }] }),
      );
    }
    calls.push({ url, headers: init!.headers as Record<string, string>, body: init!.body as string | undefined });
    const answer = answers[Math.min(calls.length - 1, answers.length - 1)];
    const text = JSON.stringify(answer.body);
    const ts = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    const signature = sign(null, responseStringToSign(ts, nonce, Buffer.from(text)), privateKey).toString('base64');
    const sent = opts.tamper ? text.replace('1', '2') : text;
    return new Response(sent, {
      status: answer.status,
      headers: {
        'paygrid-key-id': kid,
        'paygrid-timestamp': ts,
        'paygrid-nonce': nonce,
        'paygrid-signature': signature,
        ...(answer.headers ?? {}),
      },
    });
  }) as typeof fetch;
  return { fetchFn, calls };
}

const creds = { baseUrl: 'http://paygrid.test', appId: 'app_x', keyId: 'key_x', secret: 'sk_x' };

describe('PaygridClient', () => {
  it('signs requests, sets an idempotency key on POST and verifies the response', async () => {
    const { fetchFn, calls } = fakePlatform([{ status: 200, body: { object: 'ping', executions: 1 } }]);
    const client = new PaygridClient({ ...creds, fetch: fetchFn });
    const res = await client.request('POST', '/v1/ping', { body: { message: 'hi' }, query: { a: 1 } });
    expect(res.status).toBe(200);
    expect(res.signedBy).toBe('pk_test');
    expect(calls[0].url).toBe('http://paygrid.test/v1/ping?a=1');
    expect(calls[0].headers.authorization).toMatch(
      /^PAYGRID-HMAC-SHA256 app_id="app_x",key_id="key_x",timestamp="\d+",nonce="[0-9a-f]{32}",signature="[A-Za-z0-9+/=]+"$/,
    );
    expect(calls[0].headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
    expect(calls[0].body).toBe('{"message":"hi"}');
  });

  it('retries an in-progress 409 with the same idempotency key and a fresh signature', async () => {
    const inProgress = {
      error: { type: 'idempotency_error', code: 'idempotency_request_in_progress', message: 'x', request_id: 'req_1' },
    };
    const { fetchFn, calls } = fakePlatform([
      { status: 409, body: inProgress, headers: { 'retry-after': '0' } },
      { status: 200, body: { ok: true } },
    ]);
    const client = new PaygridClient({ ...creds, fetch: fetchFn, maxRetries: 2, maxRetryDelayMs: 1 });
    const res = await client.request('POST', '/v1/ping', { body: {} });
    expect(res.status).toBe(200);
    expect(calls).toHaveLength(2);
    expect(calls[1].headers['idempotency-key']).toBe(calls[0].headers['idempotency-key']);
    expect(calls[1].headers.authorization).not.toBe(calls[0].headers.authorization);
  });

  it('retries with the same idempotency key when the JWKS answers 503, and verifies the answer once it is back', async () => {
    const { fetchFn, calls } = fakePlatform([{ status: 201, body: { id: 'pay_1' } }], { jwksFailures: 1 });
    const client = new PaygridClient({ ...creds, fetch: fetchFn, maxRetries: 2, maxRetryDelayMs: 1 });
    const res = await client.request('POST', '/v1/payments', { body: {} });
    expect(res).toMatchObject({ status: 201, signedBy: 'pk_test' });
    expect(calls).toHaveLength(2);
    expect(calls[1].headers['idempotency-key']).toBe(calls[0].headers['idempotency-key']);
  });

  it('does not retry an answer whose signature fails: that is not an outage', async () => {
    const { fetchFn, calls } = fakePlatform([{ status: 200, body: { amount: 1 } }], { tamper: true });
    const client = new PaygridClient({ ...creds, fetch: fetchFn, maxRetries: 2, maxRetryDelayMs: 1 });
    await expect(client.request('GET', '/v1/payments/pay_1')).rejects.toMatchObject({
      name: 'PaygridSignatureError',
      transient: false,
    });
    expect(calls).toHaveLength(1);
  });

  it('throws PaygridError with the error fields on an error answer', async () => {
    const { fetchFn } = fakePlatform([
      {
        status: 401,
        body: {
          error: { type: 'authentication_error', code: 'signature_invalid', message: 'bad', request_id: 'req_9' },
        },
      },
    ]);
    const client = new PaygridClient({ ...creds, fetch: fetchFn });
    await expect(client.ping()).rejects.toMatchObject({
      name: 'PaygridError',
      status: 401,
      code: 'signature_invalid',
      requestId: 'req_9',
    });
  });

  it('refuses a response whose body was changed after signing', async () => {
    const { fetchFn } = fakePlatform([{ status: 200, body: { amount: 1 } }], { tamper: true });
    const client = new PaygridClient({ ...creds, fetch: fetchFn });
    await expect(client.request('GET', '/v1/ping')).rejects.toBeInstanceOf(PaygridSignatureError);
  });

  it('needs a secret or a private key', () => {
    expect(() => new PaygridClient({ baseUrl: 'http://x', appId: 'app_x', keyId: 'key_x' })).toThrow(/secret/);
  });
});
