import { createHash } from 'node:crypto';
import { signRequest } from '@paygrid/sdk';
import { AuthMaintenanceJob } from '../../src/modules/auth/auth-maintenance.job';
import { expectErrorShape, http } from '../utils/http';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { TestApp, startTestApp } from '../utils/test-app';

describe('idempotency of POST /v1 routes (e2e)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;

  const post = (body: unknown, idempotencyKey: string | false, who = m) =>
    who.client.request<any>('POST', '/v1/ping', { body, idempotencyKey });
  const executions = async (who = m) => (await who.client.createPing({}, { idempotencyKey: false })).executions;
  const rowsFor = (key: string) =>
    t.dataSource.query(`SELECT * FROM idempotency_keys WHERE app_id = $1 AND idempotency_key = $2`, [m.appId, key]);

  beforeAll(async () => {
    t = await startTestApp();
    m = await onboardMerchant(t, { name: 'Idem' });
  });
  afterAll(() => t.close());

  it('replays the identical response for the same key and body, with one side effect', async () => {
    const before = await executions();
    const first = await post({ message: 'once' }, 'order-1');
    const second = await post({ message: 'once' }, 'order-1');
    expect(first.status).toBe(200);
    expect(first.replayed).toBe(false);
    expect(second.status).toBe(200);
    expect(second.replayed).toBe(true);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(second.text).toBe(first.text);
    expect(first.body.executions).toBe(before + 1);
    // The body names the first request; the replay has its own Request-Id (and its own, valid, platform signature).
    expect(second.body.request_id).toBe(first.requestId);
    expect(second.requestId).not.toBe(first.requestId);
    expect(second.signedBy).toBeDefined();
    expect(await executions()).toBe(before + 2);
  });

  it('answers 422 idempotency_key_reused for the same key with another body, executing nothing', async () => {
    const before = await executions();
    expect((await post({ message: 'a' }, 'order-2')).status).toBe(200);
    const other = await post({ message: 'b' }, 'order-2');
    expectErrorShape(other, 422, 'idempotency_key_reused');
    expect(other.body.error.type).toBe('idempotency_error');
    expect(await executions()).toBe(before + 2);
    // Keys are per app: another app may use the same key for its own request.
    const n = await onboardMerchant(t, { name: 'Other app' });
    const theirs = await post({ message: 'b' }, 'order-2', n);
    expect(theirs.status).toBe(200);
    expect(theirs.replayed).toBe(false);
  });

  it('lets exactly one of 20 concurrent requests with one key execute; the others replay it or get 409', async () => {
    const before = await executions();
    const results = await Promise.all(Array.from({ length: 20 }, () => post({ message: 'burst' }, 'burst-1')));
    const ok = results.filter((r) => r.status === 200);
    const inProgress = results.filter((r) => r.status === 409);
    expect(ok.length + inProgress.length).toBe(20);
    for (const r of inProgress)
      expect(r.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_request_in_progress' });
    expect(ok.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(ok.map((r) => r.text)).size).toBe(1);
    expect(await executions()).toBe(before + 2);
  });

  it('answers 409 while the first request still runs', async () => {
    const body = JSON.stringify({ message: 'slow' });
    const hash = createHash('sha256').update(`POST\n/v1/ping\n`).update(body).digest('hex');
    // The state of a key whose first request is still executing (on this or another replica).
    await t.dataSource.query(
      `INSERT INTO idempotency_keys (app_id, merchant_id, idempotency_key, request_hash, request_id, status, locked_until, expires_at)
       VALUES ($1, $2, 'running-1', $3, 'req_elsewhere', 'in_progress', now() + interval '1 minute', now() + interval '1 day')`,
      [m.appId, m.merchantId, hash],
    );
    const res = await m.client.request<any>('POST', '/v1/ping', { rawBody: body, idempotencyKey: 'running-1' });
    expectErrorShape(res, 409, 'idempotency_request_in_progress');
    // The lead holding it died (lease over): a retry of the same request takes the key over and runs once.
    await t.dataSource.query(
      `UPDATE idempotency_keys SET locked_until = now() - interval '1 second' WHERE idempotency_key = 'running-1'`,
    );
    const retried = await m.client.request<any>('POST', '/v1/ping', { rawBody: body, idempotencyKey: 'running-1' });
    expect(retried.status).toBe(200);
    expect(retried.replayed).toBe(false);
    expect(
      (await m.client.request<any>('POST', '/v1/ping', { rawBody: body, idempotencyKey: 'running-1' })).replayed,
    ).toBe(true);
  });

  it('stores nothing for a request that failed validation, and the key stays usable', async () => {
    const bad = await post({ message: 42 }, 'order-3');
    expectErrorShape(bad, 400, 'parameter_invalid');
    expect(await rowsFor('order-3')).toHaveLength(0);
    const unknown = await post({ messages: 'x' }, 'order-3');
    expectErrorShape(unknown, 400, 'parameter_unknown');
    expect(await rowsFor('order-3')).toHaveLength(0);
    const good = await post({ message: 'fixed' }, 'order-3');
    expect(good.status).toBe(200);
    expect(good.replayed).toBe(false);
    const [row] = await rowsFor('order-3');
    expect(row).toMatchObject({ status: 'completed', response_status: 200, response_body: good.text });
  });

  it('stores a business error and a 500 that happened after execution began, and replays them', async () => {
    const before = await executions();
    const conflict = await post({ simulate_error: 'conflict' }, 'order-4');
    expectErrorShape(conflict, 409, 'ping_conflict');
    const again = await post({ simulate_error: 'conflict' }, 'order-4');
    expect(again.status).toBe(409);
    expect(again.replayed).toBe(true);
    expect(again.text).toBe(conflict.text);

    const failed = await post({ simulate_error: 'api_error' }, 'order-5');
    expectErrorShape(failed, 500, 'internal_error');
    const replayed = await post({ simulate_error: 'api_error' }, 'order-5');
    expect(replayed).toMatchObject({ status: 500, replayed: true, text: failed.text });
    expect(await executions()).toBe(before + 3);
  });

  it('validates the Idempotency-Key header', async () => {
    expectErrorShape(await post({}, 'k'.repeat(256)), 400, 'idempotency_key_invalid');
    expect((await post({}, 'k'.repeat(255))).status).toBe(200);
    const body = '{}';
    const res = await http('POST', `${t.baseUrl}/v1/ping`, {
      raw: body,
      headers: {
        authorization: signRequest(m, { method: 'POST', pathWithQuery: '/v1/ping', body }),
        'idempotency-key': 'cl\u00e9',
      },
    });
    expectErrorShape(res, 400, 'idempotency_key_invalid');
  });

  it('applies to POST only and is optional', async () => {
    const before = await executions();
    await post({ message: 'no key' }, false);
    await post({ message: 'no key' }, false);
    expect(await executions()).toBe(before + 3);
    const get = await m.client.request('GET', '/v1/ping', { headers: { 'idempotency-key': 'ignored-on-get' } });
    expect(get.status).toBe(200);
  });

  it('forgets keys after 24 h: expired rows are purged, and an expired key runs again', async () => {
    const first = await post({ message: 'old' }, 'order-6');
    await t.dataSource.query(
      `UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE app_id = $1 AND idempotency_key = 'order-6'`,
      [m.appId],
    );
    const again = await post({ message: 'old' }, 'order-6');
    expect(again.replayed).toBe(false);
    expect(again.body.executions).toBeGreaterThan(first.body.executions);
    const [row] = await rowsFor('order-6');
    expect(new Date(row.expires_at).getTime() - Date.now()).toBeGreaterThan(23.9 * 3600 * 1000);

    await t.dataSource.query(
      `UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE app_id = $1 AND idempotency_key = 'order-6'`,
      [m.appId],
    );
    const purged = await t.app.get(AuthMaintenanceJob).purgeExpired();
    expect(purged.idempotencyKeys).toBeGreaterThanOrEqual(1);
    expect(await rowsFor('order-6')).toHaveLength(0);
    expect(await rowsFor('order-1')).toHaveLength(1);
  });
});
