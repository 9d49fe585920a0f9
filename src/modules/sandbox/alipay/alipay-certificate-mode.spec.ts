import { AlipaySdk } from 'alipay-sdk';
import { Harness, payerActs, startHarness, waitFor } from '../testing/sandbox-harness.util';
import { CreatePaymentInput, ParsedCallback } from '../../providers/provider.port';
import { AlipayAdapter } from '../../providers/alipay/alipay.adapter';
import { loadAlipayCertificates } from '../../providers/alipay/alipay-keys';
import { providersConfigForSandbox } from '../sandbox-providers.config';
import { AlipayCertificateFiles } from './alipay-sandbox-certificates';

let h: Harness;
let files: AlipayCertificateFiles;
let n = 0;
const order = (over: Partial<CreatePaymentInput> = {}): CreatePaymentInput => ({
  channel: 'alipay_qr',
  providerOrderId: `pay_alic_${Date.now()}_${n++}`,
  amount: 2468n,
  currency: 'CNY',
  subject: '证书模式',
  expiresAt: new Date(Date.now() + 15 * 60_000),
  notifyUrl: `${h.callbackUrl}/alipay`,
  ...over,
});
const callbacksFor = (id: string) =>
  h.received
    .filter((r) => r.provider === 'alipay' && r.result.ok && r.result.callback.providerOrderId === id)
    .map((r) => (r.result as { callback: ParsedCallback }).callback);
const adapters: AlipayAdapter[] = [];
/** Another adapter on the same simulator, certificate mode from `f` unless `keyMode`. */
function adapterWith(
  f: AlipayCertificateFiles | 'key_mode',
  over: { appCertSn?: string; alipayRootCertSn?: string } = {},
): AlipayAdapter {
  const base = providersConfigForSandbox(h.keys, h.baseUrl).alipay!;
  const http = { maxRetries: 0, timeoutMs: 2000 };
  const a =
    f === 'key_mode'
      ? new AlipayAdapter({ ...base, http })
      : new AlipayAdapter({
          ...base,
          alipayPublicKeyPem: undefined,
          certificates: { ...loadAlipayCertificates(f, h.keys.alipay.appPrivateKeyPem), ...over },
          http,
        });
  adapters.push(a);
  return a;
}

beforeAll(async () => {
  h = await startHarness({ alipayCertificateMode: true });
  files = await h.alipaySim.enableCertificateMode();
});
afterAll(async () => {
  for (const a of adapters) a.shutdown();
  await h.close();
});
afterEach(() => {
  h.alipaySim.misnameCertSn = undefined;
});

describe('Alipay public-key-certificate mode (公钥证书), adapter <-> simulator', () => {
  it('pays, notifies and refunds: requests carry the SNs, answers are verified with the certificate they name', async () => {
    expect(h.alipay.keys.certificateMode).toBe(true);
    const input = order();
    const created = await h.alipay.createPayment(input);
    expect(created).toMatchObject({ status: 'pending', nextAction: { type: 'qr_code' } });
    const qr = (created.nextAction as { qr_code: string }).qr_code;
    expect((await payerActs(qr, 'success')).body.trade_status).toBe('TRADE_SUCCESS');
    // The notification is signed with Alipay's certificate key; the key-mode key would not verify it.
    const [cb] = await waitFor(
      () => callbacksFor(input.providerOrderId)[0] && callbacksFor(input.providerOrderId),
      'notification',
    );
    expect(cb).toMatchObject({ kind: 'payment', status: 'succeeded', amount: 2468n });
    expect(await h.alipay.query('alipay_qr', input.providerOrderId)).toMatchObject({
      status: 'succeeded',
      amount: 2468n,
    });
    const refund = await h.alipay.refund({
      channel: 'alipay_qr',
      providerOrderId: input.providerOrderId,
      providerRefundId: `${input.providerOrderId}_r1`,
      amount: 468n,
      currency: 'CNY',
    } as Parameters<AlipayAdapter['refund']>[0]);
    expect(refund).toMatchObject({ status: 'succeeded', amount: 468n });
  });

  it('the page redirect and the APP order string carry app_cert_sn and alipay_root_cert_sn, and the gateway takes them', async () => {
    const page = await h.alipay.createPayment(order({ channel: 'alipay_page' }));
    const url = new URL((page.nextAction as { url: string }).url);
    expect(url.searchParams.get('app_cert_sn')).toBe(h.alipay.keys.requestParams().app_cert_sn);
    expect(url.searchParams.get('alipay_root_cert_sn')).toMatch(/^[0-9a-f]{32}_[0-9a-f]{32}$/);
    expect((await fetch(url)).status).toBe(200);
    const app = await h.alipay.createPayment(order({ channel: 'alipay_app' }));
    const p = new URLSearchParams((app.nextAction as { order_string: string }).order_string);
    expect(p.get('app_cert_sn')).toBe(url.searchParams.get('app_cert_sn'));
  });

  it('the official SDK in certificate mode is served by the simulator: the SNs agree with the SDK’s', async () => {
    const sdk = new AlipaySdk({
      appId: h.keys.alipay.appId,
      privateKey: h.keys.alipay.appPrivateKeyPem,
      keyType: 'PKCS8',
      appCertContent: files.appCert,
      alipayPublicCertContent: files.alipayCert,
      alipayRootCertContent: files.rootCert,
      gateway: `${h.baseUrl}/sandbox/alipay/gateway.do`,
    });
    const input = order();
    await h.alipay.createPayment(input);
    // validateSign: the SDK checks the answer with the public key it took from Alipay's certificate.
    const res = await sdk.exec(
      'alipay.trade.query',
      { bizContent: { out_trade_no: input.providerOrderId } },
      { validateSign: true },
    );
    // Accepted by the gateway (no isv.invalid-app-cert-sn): the trade is simply not scanned yet.
    expect(res).toMatchObject({ code: '40004', subCode: 'ACQ.TRADE_NOT_EXIST' });
  });

  it('refuses requests whose app_cert_sn does not match, and the refusal is final', async () => {
    const wrong = order();
    expect(await adapterWith(files, { appCertSn: 'f'.repeat(32) }).createPayment(wrong)).toMatchObject({
      status: 'failed',
      retryable: false,
      providerCode: 'isv.invalid-app-cert-sn',
    });
    expect(h.alipaySim.trades.get(wrong.providerOrderId)).toBeUndefined();
    // A public-key-mode client sends no SN at all: refused as well (and it cannot even verify the answer,
    // signed with the certificate key, so to it the outcome stays unknown).
    const keyMode = order();
    expect(await adapterWith('key_mode').createPayment(keyMode)).toMatchObject({
      status: 'unknown',
      providerCode: 'response_signature_invalid',
    });
    expect(h.alipaySim.trades.get(keyMode.providerOrderId)).toBeUndefined();
    // A root bundle other than Alipay's current one is refused as well.
    const wrongRoot = order();
    expect(await adapterWith(files, { alipayRootCertSn: 'a'.repeat(32) }).createPayment(wrongRoot)).toMatchObject({
      status: 'failed',
      retryable: false,
      providerCode: 'isv.invalid-alipay-root-cert-sn',
    });
    expect(h.alipaySim.trades.get(wrongRoot.providerOrderId)).toBeUndefined();
  });

  it('an answer naming an alipay_cert_sn Alipay never issued is refused (unknown, never trusted), asked for once', async () => {
    const input = order();
    await h.alipay.createPayment(input);
    const made = '0123456789abcdef0123456789abcdef';
    h.alipaySim.misnameCertSn = made;
    const before = h.alipaySim.certificateDownloads.length;
    for (let i = 0; i < 2; i++) {
      expect(await h.alipay.query('alipay_qr', input.providerOrderId)).toMatchObject({
        status: 'unknown',
        providerCode: 'response_signature_invalid',
        providerMessage: expect.stringContaining('unknown alipay_cert_sn'),
      });
    }
    // The download was tried once; the second answer with that SN did not ask again.
    expect(h.alipaySim.certificateDownloads.slice(before)).toEqual([made]);
    expect(h.alipay.keys.forAnswer(made)).toBeUndefined();
    h.alipaySim.misnameCertSn = undefined;
    expect(await h.alipay.query('alipay_qr', input.providerOrderId)).toMatchObject({ status: 'pending' });
  });

  it('renewal: the certificate Alipay renewed is downloaded once, checked against the root bundle, and kept', async () => {
    const adapter = adapterWith(files);
    const input = order();
    await adapter.createPayment(input);
    const oldSn = h.alipaySim.alipayCertSn!;
    const newSn = await h.alipaySim.renewAlipayCertificate();
    expect(newSn).not.toBe(oldSn);
    expect(adapter.keys.forAnswer(newSn)).toBeUndefined();
    const before = h.alipaySim.certificateDownloads.length;
    // Concurrent answers naming the new SN share one download.
    const outcomes = await Promise.all([1, 2, 3].map(() => adapter.query('alipay_qr', input.providerOrderId)));
    for (const o of outcomes) expect(o).toMatchObject({ status: 'pending' });
    expect(h.alipaySim.certificateDownloads.slice(before)).toEqual([newSn]);
    expect(adapter.keys.forAnswer(newSn)).toBeDefined();
    // The old certificate still verifies (a renewal overlaps), and nothing more is downloaded.
    h.alipaySim.signWithAlipayCertificate(oldSn);
    expect(await adapter.query('alipay_qr', input.providerOrderId)).toMatchObject({ status: 'pending' });
    h.alipaySim.signWithAlipayCertificate(newSn);
    expect(await adapter.query('alipay_qr', input.providerOrderId)).toMatchObject({ status: 'pending' });
    expect(h.alipaySim.certificateDownloads.slice(before)).toEqual([newSn]);
    // The old SN, signed with the new key, is still refused: the SN picks the key.
    h.alipaySim.misnameCertSn = oldSn;
    expect(await adapter.query('alipay_qr', input.providerOrderId)).toMatchObject({
      status: 'unknown',
      providerCode: 'response_signature_invalid',
    });
  });

  it('a downloaded certificate that does not chain to the root bundle is refused, even with the right SN', async () => {
    const adapter = adapterWith(files);
    const input = order();
    await adapter.createPayment(input);
    const newSn = await h.alipaySim.renewAlipayCertificate();
    h.alipaySim.forgeCertificateDownloads = true;
    try {
      expect(await adapter.query('alipay_qr', input.providerOrderId)).toMatchObject({
        status: 'unknown',
        providerCode: 'response_signature_invalid',
        providerMessage: expect.stringContaining(newSn),
      });
      expect(adapter.keys.forAnswer(newSn)).toBeUndefined();
      expect(h.alipaySim.certificateDownloads).toContain(newSn);
      // It was the chain that failed: the forgery carries the asked-for SN; the real certificate is learned.
      expect(adapter.keys.learn(newSn, await h.alipaySim.forgedCertificate(newSn))).toBe('untrusted');
      h.alipaySim.forgeCertificateDownloads = false;
      expect(await adapter.query('alipay_qr', input.providerOrderId)).toMatchObject({ status: 'unknown' });
      expect(adapter.keys.forAnswer(newSn)).toBeUndefined();
    } finally {
      h.alipaySim.forgeCertificateDownloads = false;
    }
  });
});
