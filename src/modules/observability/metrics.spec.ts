import { EventEmitter } from 'node:events';
import { Metrics } from './metrics';

/** A response as the middleware sees it: an emitter with its request, finished later with a status. */
function request(metrics: Metrics, method: string, route: string | undefined, status: number): void {
  const res = Object.assign(new EventEmitter(), {
    req: { method, route: route ? { path: route } : undefined },
    statusCode: 0,
  });
  metrics.middleware(res.req as never, res as never, () => undefined);
  res.statusCode = status;
  res.emit('finish');
}

describe('HTTP request metrics', () => {
  it('counts each request once under its method, route template and status, and times it by method and route', async () => {
    const metrics = new Metrics();
    request(metrics, 'POST', '/v1/payments', 201);
    request(metrics, 'POST', '/v1/payments', 201);
    request(metrics, 'POST', '/v1/payments', 409);
    request(metrics, 'GET', '/v1/payments/:id', 200);
    request(metrics, 'GET', undefined, 404);

    const counts = (await metrics.httpRequests.get()).values.map((v) => [v.labels, v.value]);
    expect(counts).toEqual(
      expect.arrayContaining([
        [{ method: 'POST', route: '/v1/payments', status: '201' }, 2],
        [{ method: 'POST', route: '/v1/payments', status: '409' }, 1],
        [{ method: 'GET', route: '/v1/payments/:id', status: '200' }, 1],
        [{ method: 'GET', route: 'unmatched', status: '404' }, 1],
      ]),
    );
    expect(counts).toHaveLength(4);
    const durations = (await metrics.httpDuration.get()).values.filter((v) => v.metricName?.endsWith('_count'));
    expect(durations.map((v) => [v.labels, v.value])).toEqual(
      expect.arrayContaining([
        [{ method: 'POST', route: '/v1/payments' }, 3],
        [{ method: 'GET', route: '/v1/payments/:id' }, 1],
        [{ method: 'GET', route: 'unmatched' }, 1],
      ]),
    );
    expect(durations).toHaveLength(3);
  });

  it('still counts after the metrics are reset (the cached children write to the current series)', async () => {
    const metrics = new Metrics();
    request(metrics, 'GET', '/v1/ping', 200);
    metrics.registry.resetMetrics();
    request(metrics, 'GET', '/v1/ping', 200);
    expect((await metrics.httpRequests.get()).values.map((v) => v.value)).toEqual([1]);
  });
});
