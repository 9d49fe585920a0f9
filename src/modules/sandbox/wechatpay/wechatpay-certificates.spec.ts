import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { Aes, Formatter, Rsa, Wechatpay } from 'wechatpay-axios-plugin';
import { Harness, payerActs, startHarness, waitFor } from '../testing/sandbox-harness.util';
import { CreatePaymentInput } from '../../providers/provider.port';
import { WechatPayAdapter } from '../../providers/wechatpay/wechatpay.adapter';
import { providersConfigForSandbox } from '../sandbox-providers.config';

const AesGcm = (Aes as unknown as { AesGcm: { decrypt(c: string, k: string, n: string, a: string): string } }).AesGcm;

let h: Harness;
let n = 0;
const order = (): CreatePaymentInput => ({
  channel: 'wechat_native',
  providerOrderId: `pay_wxc_${Date.now()}_${n++}`,
  amount: 1500n,
  currency: 'CNY',
  subject: 'cert mode',
  expiresAt: new Date(Date.now() + 15 * 60_000),
  notifyUrl: `${h.callbackUrl}/wechatpay`,
});
const callbacksFor = (id: string) =>
  h.received.filter((r) => r.provider === 'wechatpay' && (!r.result.ok || r.result.callback.providerOrderId === id));

beforeAll(async () => {
  // Certificate mode only: no public key is configured, every key comes from /v3/certificates.
  h = await startHarness({
    wechat: { platformKeyMode: 'certificate', platformPublicKeys: {}, platformPublicKeyId: undefined },
  });
});
afterAll(() => h.close());

describe('WeChat Pay platform-certificate mode and rotation', () => {
  let first: string;
  let second: string;

  it('downloads and decrypts /v3/certificates before the first call, and not again while the list is fresh', async () => {
    first = await h.wechatSim.rotatePlatformCertificate();
    const input = order();
    const created = await h.wechat.createPayment(input);
    expect(created).toMatchObject({ status: 'pending', nextAction: { type: 'qr_code' } });
    expect(h.wechatSim.certificateDownloads).toBe(1);
    expect(Object.keys(h.wechat.platformKeys.snapshot())).toEqual([first]);
    expect(await h.wechat.query('wechat_native', input.providerOrderId)).toMatchObject({ status: 'pending' });
    // Known serial, fresh list: no second download.
    expect(h.wechatSim.certificateDownloads).toBe(1);
  });

  it('after a rotation, a callback signed with the new serial is accepted after one refresh; the old one stays valid in the overlap', async () => {
    second = await h.wechatSim.rotatePlatformCertificate();
    const input = order();
    const url = ((await h.wechat.createPayment(input)).nextAction as { qr_code: string }).qr_code;
    // The create's answer was signed with the new certificate: one refresh, then verified.
    expect(h.wechatSim.certificateDownloads).toBe(2);
    await payerActs(url, 'success');
    const got = await waitFor(() => callbacksFor(input.providerOrderId)[0], 'callback signed by the new certificate');
    expect(got.result).toMatchObject({ ok: true, callback: { kind: 'payment', status: 'succeeded', amount: 1500n } });
    expect(Object.keys(h.wechat.platformKeys.snapshot()).sort()).toEqual([first, second].sort());

    // WeChat may still sign with the old certificate during the overlap.
    h.wechatSim.signWithCertificate(first);
    expect(await h.wechat.query('wechat_native', input.providerOrderId)).toMatchObject({ status: 'succeeded' });
    expect(h.wechatSim.certificateDownloads).toBe(2);
  });

  it('refuses a serial it cannot learn, refreshing at most once for unknown serials within the rate limit', async () => {
    const forged = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const body = JSON.stringify({ id: 'EV-forged', event_type: 'TRANSACTION.SUCCESS', resource: {} });
    const ts = Math.floor(Date.now() / 1000);
    const pem = forged.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const forge = (serial: string) => ({
      headers: {
        'wechatpay-timestamp': String(ts),
        'wechatpay-nonce': 'n1',
        'wechatpay-signature': Rsa.sign(Formatter.response(ts, 'n1', body), pem),
        'wechatpay-serial': serial,
      },
      rawBody: Buffer.from(body),
    });
    const before = h.wechatSim.certificateDownloads;
    expect(await h.wechat.parseCallback(forge('7F00000000000000000000000000000A'))).toEqual({
      ok: false,
      reason: 'signature_invalid',
    });
    expect(await h.wechat.parseCallback(forge('7F00000000000000000000000000000B'))).toEqual({
      ok: false,
      reason: 'signature_invalid',
    });
    // A forged message signed with a key WeChat never listed also fails under a known serial.
    expect(await h.wechat.parseCallback(forge(second))).toEqual({ ok: false, reason: 'signature_invalid' });
    expect(h.wechatSim.certificateDownloads - before).toBeLessThanOrEqual(1);
  });

  it("agrees with wechatpay-axios-plugin: its client verifies the simulator's answers with the keys the adapter decrypted, and its AES-GCM opens the same certificates", async () => {
    h.wechatSim.signWithCertificate(second);
    const k = h.keys.wechatpay;
    const wx = new Wechatpay({
      mchid: k.mchid,
      serial: k.merchantSerialNo,
      privateKey: k.merchantPrivateKeyPem,
      certs: h.wechat.platformKeys.snapshot(),
      baseURL: `${h.baseUrl}/sandbox/wechatpay/`,
    } as never) as unknown as { v3: any };
    const res = await wx.v3.certificates.get();
    const entries = res.data.data as any[];
    expect(entries.map((e) => e.serial_no).sort()).toEqual([first, second].sort());
    for (const e of entries) {
      const c = e.encrypt_certificate;
      const pem = AesGcm.decrypt(c.ciphertext, k.apiV3Key, c.nonce, c.associated_data);
      const spki = new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'pem' }).toString();
      expect(spki).toBe(h.wechat.platformKeys.snapshot()[e.serial_no]);
    }
  });

  it('stops accepting a retired certificate once the list no longer has it', async () => {
    h.wechatSim.retirePlatformCertificate(first);
    // A second adapter, as after a restart or at the next periodic refresh: it holds only what is listed now.
    const fresh = new WechatPayAdapter({
      ...providersConfigForSandbox(h.keys, h.baseUrl).wechatpay!,
      platformKeyMode: 'certificate',
      platformPublicKeys: {},
      platformPublicKeyId: undefined,
    });
    try {
      expect(await fresh.platformKeys.keysFor(first)).toEqual({ [second]: h.wechat.platformKeys.snapshot()[second] });
    } finally {
      fresh.shutdown();
    }
  });
});
