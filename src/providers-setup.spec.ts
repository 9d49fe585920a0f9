import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { loadConfig } from './config/config';
import { providersConfigFor } from './providers-setup';
import type { StoredSecretsService } from './modules/crypto/stored-secrets.service';
import { AlipaySandboxCertificates } from './modules/sandbox/alipay/alipay-sandbox-certificates';

const noSecrets = {} as StoredSecretsService;
const b64 = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');
const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
const appPrivatePem = app.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const base = {
  PAYGRID_MODE: 'live',
  ALIPAY_GATEWAY_URL: 'https://openapi.alipay.com/gateway.do',
  ALIPAY_APP_ID: '2021000000000001',
  // As the Alipay key tool writes it for non-Java languages: bare base64 PKCS#1.
  ALIPAY_APP_PRIVATE_KEY: b64(app.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
};
const alipayOf = async (env: Record<string, string>) => (await providersConfigFor(loadConfig(env), noSecrets)).alipay;

describe('live Alipay configuration', () => {
  it('public-key mode takes the bare base64 keys the console shows', async () => {
    const c = await alipayOf({
      ...base,
      ALIPAY_PUBLIC_KEY: b64(alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    });
    expect(c?.certificates).toBeUndefined();
    expect(c?.appPrivateKeyPem).toBe(appPrivatePem);
    expect(createPublicKey(c!.alipayPublicKeyPem!).export({ type: 'spki', format: 'der' })).toEqual(
      alipay.publicKey.export({ type: 'spki', format: 'der' }),
    );
  });

  it('certificate mode loads the three files; without them, or without the mode, Alipay is not registered', async () => {
    const pub = app.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const files = (await AlipaySandboxCertificates.create(base.ALIPAY_APP_ID, pub)).files();
    const certs = {
      ALIPAY_APP_CERT: files.appCert,
      ALIPAY_PUBLIC_CERT: files.alipayCert,
      ALIPAY_ROOT_CERT: files.rootCert,
    };
    const c = await alipayOf({ ...base, ALIPAY_KEY_MODE: 'certificate', ...certs });
    expect(c?.alipayPublicKeyPem).toBeUndefined();
    expect(c?.certificates).toMatchObject({ appCertSn: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(c?.certificates?.alipayCertificates).toHaveLength(1);
    expect(await alipayOf({ ...base, ALIPAY_KEY_MODE: 'certificate', ALIPAY_APP_CERT: files.appCert })).toBeUndefined();
    // Certificates without the mode: public-key mode, which has no key here.
    expect(await alipayOf({ ...base, ...certs })).toBeUndefined();
  });

  it('unusable values stop the boot with the reason, never the key', async () => {
    await expect(alipayOf({ ...base, ALIPAY_PUBLIC_KEY: 'QUJDRA==' })).rejects.toThrow(
      /^Alipay configuration: Alipay's public key is not an RSA public key/,
    );
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });
    const files = (await AlipaySandboxCertificates.create(base.ALIPAY_APP_ID, other.toString())).files();
    await expect(
      alipayOf({
        ...base,
        ALIPAY_KEY_MODE: 'certificate',
        ALIPAY_APP_CERT: files.appCert,
        ALIPAY_PUBLIC_CERT: files.alipayCert,
        ALIPAY_ROOT_CERT: files.rootCert,
      }),
    ).rejects.toThrow('Alipay configuration: the app certificate is not for the app private key');
  });
});
