import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ProviderHttpClient } from './provider-http.client';
import { DEFAULT_HTTP_POLICY } from '../providers.config';

let server: Server;
let url = '';
let mode: 'ok' | 'hang' | '500' = 'ok';
let hits = 0;

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    if (mode === 'hang') return; // never answers: the client's AbortController must end it
    res.writeHead(mode === '500' ? 500 : 200).end('body');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => (hits = 0));

const client = (over = {}) =>
  new ProviderHttpClient(
    't',
    { ...DEFAULT_HTTP_POLICY, timeoutMs: 150, maxRetries: 2, retryBaseDelayMs: 1, ...over },
    async () => undefined,
  );

describe('ProviderHttpClient', () => {
  it('aborts a hanging call at the timeout and reports it as a value', async () => {
    mode = 'hang';
    const c = client();
    const started = Date.now();
    expect(await c.request({ method: 'POST', url }, { idempotent: false })).toEqual({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(hits).toBe(1);
    c.shutdown();
  });

  it('retries transient failures only for idempotent calls', async () => {
    mode = '500';
    const c = client();
    expect(await c.request({ method: 'POST', url }, { idempotent: false })).toMatchObject({
      kind: 'response',
      status: 500,
    });
    expect(hits).toBe(1);
    hits = 0;
    await c.request({ method: 'GET', url }, { idempotent: true });
    expect(hits).toBe(3);
    c.shutdown();
  });

  it('opens the circuit after repeated failures and then fails fast without calling', async () => {
    mode = '500';
    const c = client({ breakerVolumeThreshold: 3, breakerErrorThresholdPercentage: 50, maxRetries: 0 });
    for (let i = 0; i < 4; i++) await c.request({ method: 'GET', url }, { idempotent: true });
    expect(c.circuitOpen).toBe(true);
    hits = 0;
    expect(await c.request({ method: 'GET', url }, { idempotent: true })).toEqual({ kind: 'circuit_open' });
    expect(hits).toBe(0);
    c.shutdown();
  });

  it('reports every attempt and each breaker change to its observer', async () => {
    const attempts: Array<[string, string]> = [];
    const circuit: string[] = [];
    const c = client({ breakerVolumeThreshold: 2, breakerErrorThresholdPercentage: 50, maxRetries: 0 });
    c.observeWith({
      attempt: (provider, outcome, seconds) => {
        expect(seconds).toBeGreaterThanOrEqual(0);
        attempts.push([provider, outcome]);
      },
      circuit: (_provider, state) => circuit.push(state),
    });
    mode = 'ok';
    await c.request({ method: 'POST', url }, { idempotent: false });
    mode = '500';
    await c.request({ method: 'POST', url }, { idempotent: false });
    await c.request({ method: 'POST', url }, { idempotent: false });
    await c.request({ method: 'POST', url }, { idempotent: false });
    expect(attempts).toEqual([
      ['t', 'ok'],
      ['t', 'http_5xx'],
      ['t', 'http_5xx'],
      ['t', 'circuit_open'],
    ]);
    expect(circuit).toEqual(['closed', 'open']);
    c.shutdown();
  });

  it('passes a 2xx through', async () => {
    mode = 'ok';
    const c = client();
    expect(await c.request({ method: 'GET', url }, { idempotent: true })).toMatchObject({
      kind: 'response',
      status: 200,
      body: 'body',
    });
    c.shutdown();
  });
});
