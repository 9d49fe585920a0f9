import { createPublicKey } from 'node:crypto';
import { IssuedCertificate, issueCertificate } from '../shared/self-signed-cert.util';
import { gatewayCertSn } from './alipay-gateway.protocol';

/** The three files the open platform hands a merchant in certificate mode (公钥证书). */
export interface AlipayCertificateFiles {
  /** appCertPublicKey_<appid>.crt: the app's certificate, then the intermediate that issued it. */
  appCert: string;
  /** alipayCertPublicKey_RSA2.crt: Alipay's certificate, then its intermediate. */
  alipayCert: string;
  /** alipayRootCert.crt: the root bundle (RSA SHA-256, RSA SHA-1 and an ECC root, like the real one). */
  rootCert: string;
}

interface HeldCertificate {
  issued: IssuedCertificate;
  sn: string;
}

const INTERMEDIATE = 'CN=Sandbox Certification Authority Class 2 R1,OU=Certification Authority,O=Paygrid Sandbox,C=CN';

/**
 * The sandbox Alipay's certificate authority: a root bundle, an intermediate,
 * the app's certificate (for the app's public key) and Alipay's own
 * certificates, which sign answers and notifications and can be renewed.
 */
export class AlipaySandboxCertificates {
  private constructor(
    private readonly intermediate: IssuedCertificate,
    private readonly rootBundle: string,
    /** alipay_root_cert_sn: the RSA roots' SNs joined by `_`. */
    readonly rootCertSn: string,
    private readonly app: HeldCertificate,
    private alipay: HeldCertificate[],
    private signing: HeldCertificate,
  ) {}

  static async create(appId: string, appPublicKeyPem: string): Promise<AlipaySandboxCertificates> {
    const r1Name = 'CN=Sandbox Certification Authority R1,OU=Certification Authority,O=Paygrid Sandbox,C=CN';
    const r1 = await issueCertificate({ subject: r1Name, ca: true, days: 3650 });
    const g3 = await issueCertificate({
      subject: 'CN=Sandbox Class 2 Root CA - G3,O=Paygrid Sandbox,C=CN',
      ca: true,
      algorithm: 'rsa-sha1',
      days: 3650,
    });
    const e1 = await issueCertificate({
      subject: 'CN=Sandbox Certification Authority E1,OU=Certification Authority,O=Paygrid Sandbox,C=CN',
      ca: true,
      algorithm: 'ecdsa-p256',
      days: 3650,
    });
    const intermediate = await issueCertificate({
      subject: INTERMEDIATE,
      issuer: { name: r1Name, privateKeyPem: r1.privateKeyPem },
      ca: true,
      days: 3650,
    });
    const app = await issueCertificate({
      subject: `CN=${appId},OU=Alipay Open Platform,O=Paygrid Sandbox Merchant,C=CN`,
      issuer: { name: INTERMEDIATE, privateKeyPem: intermediate.privateKeyPem },
      key: { publicKey: createPublicKey(appPublicKeyPem) },
    });
    // The ECC root does not count in alipay_root_cert_sn: only RSA-signed roots do.
    const rootCertSn = [r1, g3].map((c) => gatewayCertSn(c.certificatePem)).join('_');
    const held = { issued: app, sn: gatewayCertSn(app.certificatePem) };
    const first = await AlipaySandboxCertificates.issueAlipay(intermediate, 1);
    return new AlipaySandboxCertificates(
      intermediate,
      [r1, g3, e1].map((c) => `${c.certificatePem.trim()}\n`).join(''),
      rootCertSn,
      held,
      [first],
      first,
    );
  }

  private static async issueAlipay(intermediate: IssuedCertificate, n: number): Promise<HeldCertificate> {
    const issued = await issueCertificate({
      subject: `CN=Alipay sandbox ${n},OU=Alipay,O=Paygrid Sandbox Alipay,C=CN`,
      issuer: { name: INTERMEDIATE, privateKeyPem: intermediate.privateKeyPem },
    });
    return { issued, sn: gatewayCertSn(issued.certificatePem) };
  }

  get appCertSn(): string {
    return this.app.sn;
  }

  /** The certificate that signs answers (named in alipay_cert_sn) and notifications. */
  get signingSn(): string {
    return this.signing.sn;
  }

  get signingKeyPem(): string {
    return this.signing.issued.privateKeyPem;
  }

  /** The files as the open platform hands them out now (every Alipay certificate issued so far). */
  files(): AlipayCertificateFiles {
    // One certificate per block, each ending in a newline, as the downloaded .crt files are.
    const chain = (c: IssuedCertificate) => `${c.certificatePem.trim()}\n${this.intermediate.certificatePem.trim()}\n`;
    return {
      appCert: chain(this.app.issued),
      alipayCert: this.alipay.map((c) => chain(c.issued)).join(''),
      rootCert: this.rootBundle,
    };
  }

  /** A renewal: a new Alipay certificate, signing from now on when `sign` is true (default). Returns its SN. */
  async renewAlipayCertificate(opts: { sign?: boolean } = {}): Promise<string> {
    const next = await AlipaySandboxCertificates.issueAlipay(this.intermediate, this.alipay.length + 1);
    this.alipay.push(next);
    if (opts.sign ?? true) this.signing = next;
    return next.sn;
  }

  /**
   * alipay.open.app.alipaycert.download: the certificate `sn` and its intermediate, as the open platform hands
   * them out; undefined for an SN it never issued.
   */
  download(sn: string): string | undefined {
    const c = this.alipay.find((x) => x.sn === sn);
    return c && `${c.issued.certificatePem.trim()}\n${this.intermediate.certificatePem.trim()}\n`;
  }

  /**
   * Tests: what a man in the middle could hand out for `sn`: a certificate with the same issuer name and serial
   * (so the same SN) and its "intermediate", but signed by a key of its own, chaining to no root of the bundle.
   */
  async forgery(sn: string): Promise<string> {
    const real = this.alipay.find((x) => x.sn === sn);
    if (!real) throw new Error(`no Alipay certificate ${sn}`);
    const fakeCa = await issueCertificate({ subject: INTERMEDIATE, ca: true, days: 3650 });
    const fake = await issueCertificate({
      subject: `CN=Alipay sandbox forged,OU=Alipay,O=Paygrid Sandbox Alipay,C=CN`,
      issuer: { name: INTERMEDIATE, privateKeyPem: fakeCa.privateKeyPem },
      serial: real.issued.serial,
    });
    return `${fake.certificatePem.trim()}\n${fakeCa.certificatePem.trim()}\n`;
  }

  /** Signs with an Alipay certificate issued earlier (the old one, during a renewal). */
  signWith(sn: string): void {
    const c = this.alipay.find((x) => x.sn === sn);
    if (!c) throw new Error(`no Alipay certificate ${sn}`);
    this.signing = c;
  }
}
