import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/config';
import { SimulatorServer } from '../../src/modules/sandbox/sandbox-http-server';
import { startSandboxProcess } from '../../src/modules/sandbox/sandbox-process';
import { TestDatabase, createTestDatabase } from '../utils/test-db';
import { TestApp, freePort, startTestApp } from '../utils/test-app';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';
import { waitFor } from '../utils/http';
import { FAST_SANDBOX_ENV, card, effectsOf, pay, trialBalanceIsZero, waitForStatus } from '../utils/payments-kit';

/**
 * SANDBOX_URL: the simulators in their own process (src/sandbox.ts), the API
 * calling them over HTTP like real providers, payers sent to that process,
 * and the API no longer serving /sandbox itself.
 */
describe('simulators in a separate process (SANDBOX_URL)', () => {
  let db: TestDatabase;
  let sandbox: SimulatorServer;
  let t: TestApp;
  let m: OnboardedMerchant;
  let sandboxUrl: string;
  let n = 0;
  const dataKeys = `s1:${randomBytes(32).toString('base64')}`;
  const order = () => `sp-${++n}-${Date.now()}`;

  beforeAll(async () => {
    db = await createTestDatabase();
    const port = await freePort();
    sandboxUrl = `http://127.0.0.1:${port}`;
    const env = {
      ...FAST_SANDBOX_ENV,
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      PAYGRID_DATA_KEYS: dataKeys,
      HOST: '127.0.0.1',
      PAYGRID_MODE: 'sandbox',
    };
    sandbox = await startSandboxProcess(loadConfig({ ...env, SANDBOX_PORT: String(port) }));
    t = await startTestApp({ ...FAST_SANDBOX_ENV, PAYGRID_DATA_KEYS: dataKeys, SANDBOX_URL: sandboxUrl }, { db });
    m = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
  });
  afterAll(async () => {
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    await t.close();
    await sandbox.close();
    await db.drop();
  });

  const create = (body: Record<string, unknown>) =>
    m.client.post<any>('/v1/payments', {
      out_trade_no: order(),
      amount: 10000,
      currency: 'CNY',
      subject: 'Coffee',
      ...body,
    });

  it('the API does not serve the simulators when SANDBOX_URL is set', async () => {
    const res = await fetch(`${t.baseUrl}/sandbox/alipay/gateway.do`, { method: 'POST' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('route_not_found');
  });

  it.each([
    ['alipay_qr', {}],
    ['wechat_native', {}],
  ])(
    '%s: the payer is sent to the simulator process, its callback reaches the API, one ledger entry, one event',
    async (channel, extra) => {
      const p = await create({ channel, ...extra });
      expect(p.status).toBe('pending');
      expect(p.next_action.qr_code.startsWith(`${sandboxUrl}/sandbox/`)).toBe(true);
      expect(await pay(t.baseUrl, p)).toBeLessThan(300);
      await waitForStatus(m.client, p.id, 'succeeded');
      expect(await effectsOf(t.dataSource, p.id)).toEqual({ entries: 1, events: ['payment.succeeded'] });
      // The simulator process's callback went to the API and was acknowledged (not only a resolver query).
      const sim = channel === 'alipay_qr' ? sandbox.simulators.alipay : sandbox.simulators.wechatpay;
      await waitFor(
        async () =>
          sim.deliveries().some((d) => d.url.startsWith(`${t.baseUrl}/callbacks/`) && d.state === 'delivered'),
        { what: 'an acknowledged callback' },
      );
    },
  );

  it('card: 3-D Secure pages are the simulator process’s', async () => {
    const p = await create({
      channel: 'card',
      card: { encrypted: await m.client.encryptCard(card('4000000000003220')) },
    });
    expect(p).toMatchObject({ status: 'requires_action', next_action: { type: 'three_d_secure' } });
    expect(p.next_action.url.startsWith(`${sandboxUrl}/sandbox/card/`)).toBe(true);
    expect(await pay(t.baseUrl, p)).toBeLessThan(300);
    await waitForStatus(m.client, p.id, 'succeeded');
  });

  it('refuses to start outside sandbox mode or without the shared database, and changes nothing', async () => {
    const base = {
      NODE_ENV: 'test',
      PAYGRID_DATA_KEYS: dataKeys,
      HOST: '127.0.0.1',
      SANDBOX_PORT: String(await freePort()),
    };
    await expect(
      startSandboxProcess(loadConfig({ ...base, DATABASE_URL: db.url, PAYGRID_MODE: 'live' })),
    ).rejects.toThrow(/sandbox mode only/);
    await expect(startSandboxProcess(loadConfig({ ...base, PAYGRID_MODE: 'sandbox' }))).rejects.toThrow(
      /set DATABASE_URL/,
    );
  });
});
