import { Test } from '@nestjs/testing';
import { INestApplication } from '@nestjs/common';
import { SandboxModule } from './sandbox.module';
import { ProvidersModule } from '../providers/providers.module';
import { ProviderRegistry } from '../providers/provider-registry';
import { AlipaySimulator } from './alipay/alipay.simulator';
import { createSandboxKeyMaterial, sandboxConfigForKeys } from './sandbox-keys.util';
import { providersConfigForSandbox } from './sandbox-providers.config';
import { payerActs, waitFor } from './testing/sandbox-harness.util';
import { SANDBOX_CARDS } from './card/card.simulator';

/**
 * The wiring the app uses: SandboxModule and ProvidersModule in one Nest app
 * created with rawBody, adapters reaching the simulators' controllers over HTTP.
 */
describe('SandboxModule + ProvidersModule in a Nest app', () => {
  let app: INestApplication;
  let registry: ProviderRegistry;
  const keys = createSandboxKeyMaterial();
  // The port is only known after listen(); both configs are read lazily, so fill the URL in afterwards.
  const sandboxConfig = sandboxConfigForKeys(keys, 'http://placeholder', {
    callbackTimeCompression: 10_000,
    hangMs: 1_000,
  });
  const providersConfig = providersConfigForSandbox(keys, 'http://placeholder');

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [SandboxModule.forRoot(sandboxConfig), ProvidersModule.forRoot(providersConfig)],
    }).compile();
    app = moduleRef.createNestApplication({ rawBody: true, logger: false });
    await app.listen(0, '127.0.0.1');
    const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const fresh = providersConfigForSandbox(keys, base);
    sandboxConfig.publicBaseUrl = base;
    Object.assign(providersConfig.alipay!, fresh.alipay);
    Object.assign(providersConfig.wechatpay!, fresh.wechatpay);
    Object.assign(providersConfig.card!, fresh.card);
    registry = app.get(ProviderRegistry);
  });
  afterAll(() => app.close());

  it('registers all five channels', () => {
    expect(registry.channels().sort()).toEqual([
      'alipay_app',
      'alipay_barcode',
      'alipay_page',
      'alipay_qr',
      'alipay_wap',
      'card',
      'stripe_card',
      'wechat_app',
      'wechat_h5',
      'wechat_jsapi',
      'wechat_miniprogram',
      'wechat_native',
    ]);
  });

  it('Alipay, WeChat and card round-trips through the controllers (form, JSON, signed paths)', async () => {
    const base = {
      amount: 100n,
      currency: 'CNY',
      subject: 'nest',
      expiresAt: new Date(Date.now() + 60_000),
      notifyUrl: 'http://127.0.0.1:9/unused',
    };
    const ali = await registry
      .forChannel('alipay_qr')
      .createPayment({ ...base, channel: 'alipay_qr', providerOrderId: 'nest_ali_1' });
    const qr = (ali.nextAction as { qr_code: string }).qr_code;
    expect((await fetch(qr)).headers.get('content-type')).toContain('text/html');
    await payerActs(qr, 'success');
    expect((await registry.forChannel('alipay_qr').query('alipay_qr', 'nest_ali_1')).status).toBe('succeeded');

    const wx = await registry
      .forChannel('wechat_native')
      .createPayment({ ...base, channel: 'wechat_native', providerOrderId: 'nest_wx_1' });
    await payerActs((wx.nextAction as { qr_code: string }).qr_code, 'success');
    expect((await registry.forChannel('wechat_native').close('wechat_native', 'nest_wx_1')).status).toBe('succeeded');
    const wx2 = 'nest_wx_2';
    await registry
      .forChannel('wechat_native')
      .createPayment({ ...base, channel: 'wechat_native', providerOrderId: wx2 });
    expect((await registry.forChannel('wechat_native').close('wechat_native', wx2)).status).toBe('closed');

    const card = await registry.forChannel('card').createPayment({
      ...base,
      currency: 'USD',
      channel: 'card',
      providerOrderId: 'nest_card_1',
      card: { number: SANDBOX_CARDS.approved, exp_month: 1, exp_year: 2031 },
    });
    expect(card.status).toBe('succeeded');
  });

  it('the _control endpoint and the exported simulator drive the same switches', async () => {
    const res = await fetch(`${sandboxConfig.publicBaseUrl}/sandbox/alipay/_control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ never_callback: true }),
    });
    expect(res.status).toBe(200);
    const sim = app.get(AlipaySimulator);
    expect(sim.controls.switches.neverCallback).toBe(true);
    sim.controls.reset();
    await waitFor(() => !sim.controls.switches.neverCallback, 'reset');
  });
});
