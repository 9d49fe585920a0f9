import { AlipaySdk } from 'alipay-sdk';
import { createPrivateKey, createPublicKey, createSign, generateKeyPairSync } from 'node:crypto';
import { alipayCertSn, alipayRootCertSn } from './alipay-cert-sn.util';
import { alipayPrivateKeyPem, alipayPublicKeyPem, loadAlipayCertificates } from './alipay-keys';
import { IssuedCertificate, issueCertificate } from '../../sandbox/shared/self-signed-cert.util';

/**
 * The SNs are checked against the official alipay-sdk 4.14: it computes them
 * in its constructor (antcertutil getSN over @fidm/x509) from the certificate
 * contents and keeps them in its config. It does not export antcertutil.
 */
interface SdkCertConfig {
  appCertSn: string;
  alipayCertSn: string;
  alipayRootCertSn: string;
  alipayPublicKey: string;
}
function sdkSns(files: { app: string; alipay: string; root: string }, privateKey: string): SdkCertConfig {
  const sdk = new AlipaySdk({
    appId: '2021000000000001',
    privateKey,
    keyType: 'PKCS8',
    appCertContent: files.app,
    alipayPublicCertContent: files.alipay,
    alipayRootCertContent: files.root,
  });
  return sdk.config as unknown as SdkCertConfig;
}

const appKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const appPrivatePem = appKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let root: IssuedCertificate;
let sha1Root: IssuedCertificate;
let eccRoot: IssuedCertificate;
let intermediate: IssuedCertificate;
const ROOT = 'CN=Test Certification Authority R1,OU=Certification Authority,O=Test Financial,C=CN';
// Names the SN rule must write exactly: UTF-8, an email (E), an attribute the SDK has no short name for (DC).
const CA2 = 'CN=测试 Class 2 R1,OU=证书中心,O=Test Financial,L=杭州,ST=浙江,C=CN,E=ca@example.com,DC=example';

beforeAll(async () => {
  root = await issueCertificate({ subject: ROOT, ca: true });
  sha1Root = await issueCertificate({ subject: 'CN=Test Root G3,O=Test,C=CN', ca: true, algorithm: 'rsa-sha1' });
  eccRoot = await issueCertificate({ subject: 'CN=Test Root E1,O=Test,C=CN', ca: true, algorithm: 'ecdsa-p256' });
  intermediate = await issueCertificate({
    subject: CA2,
    issuer: { name: ROOT, privateKeyPem: root.privateKeyPem },
    ca: true,
  });
});

const leaf = (subject: string, key?: { privateKey?: ReturnType<typeof createPrivateKey>; publicKey: any }) =>
  issueCertificate({ subject, issuer: { name: CA2, privateKeyPem: intermediate.privateKeyPem }, key });

describe('Alipay certificate SNs (checked against alipay-sdk 4.14)', () => {
  it('app_cert_sn, alipay_cert_sn and alipay_root_cert_sn are the SDK’s, over varied names, and the ECC root is left out', async () => {
    for (let i = 0; i < 4; i++) {
      const app = await leaf(`CN=2021000000000001,OU=Alipay,O=测试商户 ${i},C=CN`, appKey);
      const alipay = await leaf(`CN=支付宝(中国)网络技术有限公司 ${i},OU=Alipay,O=Ant,C=CN`);
      const rootBundle = [root, eccRoot, sha1Root].map((c) => c.certificatePem).join('\n');
      const files = {
        app: `${app.certificatePem}\n${intermediate.certificatePem}\n`,
        alipay: `${alipay.certificatePem}\n${intermediate.certificatePem}\n`,
        root: rootBundle,
      };
      const sdk = sdkSns(files, appPrivatePem);
      expect(alipayCertSn(files.app)).toBe(sdk.appCertSn);
      expect(alipayCertSn(files.alipay)).toBe(sdk.alipayCertSn);
      expect(alipayRootCertSn(files.root)).toBe(sdk.alipayRootCertSn);
      // Two RSA roots (SHA-256 and SHA-1); the ECDSA one does not count.
      expect(sdk.alipayRootCertSn.split('_')).toHaveLength(2);

      const loaded = loadAlipayCertificates(
        { appCert: files.app, alipayCert: files.alipay, rootCert: files.root },
        appPrivatePem,
      );
      expect(loaded).toMatchObject({ appCertSn: sdk.appCertSn, alipayRootCertSn: sdk.alipayRootCertSn });
      // The intermediate in the Alipay file is a CA, not an Alipay certificate.
      expect(loaded.alipayCertificates.map((c) => c.sn)).toEqual([sdk.alipayCertSn]);
      // The public key taken from Alipay's certificate is the one the SDK verifies with.
      const der = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' });
      expect(der(loaded.alipayCertificates[0].publicKeyPem).equals(der(sdk.alipayPublicKey))).toBe(true);
    }
  });

  it('a self-signed issuer (the SN depends only on issuer and serial) matches the SDK too', async () => {
    const self = await issueCertificate({ subject: 'CN=Only,OU=One,O=Self,C=CN' });
    expect(alipayCertSn(self.certificatePem)).toBe(
      sdkSns({ app: self.certificatePem, alipay: self.certificatePem, root: root.certificatePem }, self.privateKeyPem)
        .appCertSn,
    );
  });

  it('refuses files that cannot work: an Alipay certificate outside the root bundle, an app certificate of another key', async () => {
    const files = async () => ({
      appCert: (await leaf('CN=app,C=CN', appKey)).certificatePem,
      alipayCert: `${(await leaf('CN=alipay,C=CN')).certificatePem}\n${intermediate.certificatePem}`,
      rootCert: root.certificatePem,
    });
    const ok = await files();
    expect(() => loadAlipayCertificates(ok, appPrivatePem)).not.toThrow();
    const otherRoot = await issueCertificate({ subject: ROOT, ca: true });
    expect(() => loadAlipayCertificates({ ...ok, rootCert: otherRoot.certificatePem }, appPrivatePem)).toThrow(
      /does not chain to the root bundle/,
    );
    // Without its intermediate the chain is broken as well.
    expect(() =>
      loadAlipayCertificates(
        { ...ok, alipayCert: ok.alipayCert.split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----' },
        appPrivatePem,
      ),
    ).toThrow(/does not chain/);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(() => loadAlipayCertificates(ok, other.export({ type: 'pkcs8', format: 'pem' }).toString())).toThrow(
      /not for the app private key/,
    );
    expect(() => loadAlipayCertificates({ ...ok, rootCert: eccRoot.certificatePem }, appPrivatePem)).toThrow(
      /no RSA root/,
    );
  });
});

describe('Alipay keys as the console gives them out', () => {
  const b64 = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');
  const sign = (pem: string) => createSign('RSA-SHA256').update('a=1&b=2').sign(pem, 'base64');

  it('accepts bare base64 (PKCS#8 and PKCS#1) and PEM for the app private key, and signs the same bytes', () => {
    const pkcs1 = appKey.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const expected = sign(appPrivatePem);
    for (const raw of [
      appPrivatePem,
      pkcs1,
      b64(appPrivatePem),
      b64(pkcs1),
      b64(appPrivatePem).replace(/(.{64})/g, '$1\n'),
    ])
      expect(sign(alipayPrivateKeyPem(raw))).toBe(expected);
  });

  it('accepts bare base64 and PEM for Alipay’s public key', () => {
    const pem = appKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(alipayPublicKeyPem(b64(pem))).toBe(pem);
    expect(alipayPublicKeyPem(pem)).toBe(pem);
  });

  it('refuses what is not a key, without echoing it', () => {
    for (const bad of [
      'not a key!',
      'QUJDRA==',
      b64(appKey.publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    ]) {
      let message = '';
      try {
        alipayPrivateKeyPem(bad);
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/app private key/);
      expect(message).not.toContain(bad);
    }
    expect(() => alipayPublicKeyPem('QUJDRA==')).toThrow(/not an RSA public key/);
  });
});
