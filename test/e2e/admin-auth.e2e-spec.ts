import { TestApp, TEST_ADMIN_TOKEN, startTestApp } from '../utils/test-app';
import { expectErrorShape, http } from '../utils/http';

describe('admin auth and audit log (e2e)', () => {
  let t: TestApp;
  let viewerToken: string;

  beforeAll(async () => {
    t = await startTestApp();
    const created = await http('POST', `${t.baseUrl}/admin/v1/tokens`, {
      token: TEST_ADMIN_TOKEN,
      body: { name: 'ops', role: 'viewer' },
    });
    expect(created.status).toBe(201);
    viewerToken = created.body.token;
  });
  afterAll(() => t.close());

  it('answers 401 without a token, with a malformed one and with an unknown one', async () => {
    expectErrorShape(await http('GET', `${t.baseUrl}/admin/v1/merchants`), 401, 'admin_token_missing');
    expectErrorShape(
      await http('GET', `${t.baseUrl}/admin/v1/merchants`, { headers: { authorization: 'Basic abc' } }),
      401,
      'admin_token_missing',
    );
    expectErrorShape(
      await http('GET', `${t.baseUrl}/admin/v1/merchants`, { token: 'nope-nope-nope' }),
      401,
      'admin_token_invalid',
    );
  });

  it('lets a viewer read but answers 403 on a write, which changes nothing', async () => {
    expect((await http('GET', `${t.baseUrl}/admin/v1/merchants`, { token: viewerToken })).status).toBe(200);
    const res = await http('POST', `${t.baseUrl}/admin/v1/merchants`, { token: viewerToken, body: { name: 'Nope' } });
    expectErrorShape(res, 403, 'admin_role_required');
    const list = await http('GET', `${t.baseUrl}/admin/v1/merchants`, { token: viewerToken });
    expect(list.body.data.find((m: { name: string }) => m.name === 'Nope')).toBeUndefined();
  });

  it('records every admin write in the append-only audit log with actor and before/after', async () => {
    const m = await http('POST', `${t.baseUrl}/admin/v1/merchants`, {
      token: TEST_ADMIN_TOKEN,
      body: { name: 'Audited' },
    });
    await http('PATCH', `${t.baseUrl}/admin/v1/merchants/${m.body.id}`, {
      token: TEST_ADMIN_TOKEN,
      body: { fee_bps: 99 },
    });
    const log = await http('GET', `${t.baseUrl}/admin/v1/audit-log?target_id=${m.body.id}`, { token: viewerToken });
    expect(log.body.data.map((e: { action: string }) => e.action)).toEqual(['merchant.update', 'merchant.create']);
    const update = log.body.data[0];
    expect(update.actor).toMatch(/^atk_/);
    expect(update.before.fee_bps).toBe(0);
    expect(update.after.fee_bps).toBe(99);
    expect(update.request_id).toMatch(/^req_/);

    await expect(
      t.dataSource.query(`UPDATE audit_log SET action = 'forged' WHERE target_id = $1`, [m.body.id]),
    ).rejects.toThrow(/append-only/);
    await expect(t.dataSource.query(`DELETE FROM audit_log WHERE target_id = $1`, [m.body.id])).rejects.toThrow(
      /append-only/,
    );
  });

  it('revokes a token so it stops working', async () => {
    const created = await http('POST', `${t.baseUrl}/admin/v1/tokens`, {
      token: TEST_ADMIN_TOKEN,
      body: { name: 'temp', role: 'admin' },
    });
    expect((await http('GET', `${t.baseUrl}/admin/v1/tokens`, { token: created.body.token })).status).toBe(200);
    await http('DELETE', `${t.baseUrl}/admin/v1/tokens/${created.body.id}`, { token: TEST_ADMIN_TOKEN });
    expectErrorShape(
      await http('GET', `${t.baseUrl}/admin/v1/tokens`, { token: created.body.token }),
      401,
      'admin_token_invalid',
    );
    const tokens = await http('GET', `${t.baseUrl}/admin/v1/tokens`, { token: TEST_ADMIN_TOKEN });
    expect(JSON.stringify(tokens.body)).not.toContain(created.body.token);
  });
});
