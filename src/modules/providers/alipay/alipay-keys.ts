import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { alipayCertSn, alipayRootCertSn, splitPemCertificates } from './alipay-cert-sn.util';

/** One Alipay public-key certificate (alipayCertPublicKey_RSA2.crt), checked against the root bundle. */
export interface AlipayPublicCertificate {
  /** Its SN, as answers name it in `alipay_cert_sn`. */
  sn: string;
  publicKeyPem: string;
  notBefore: Date;
  notAfter: Date;
}

/** What certificate mode needs at run time, computed once from the three certificate files. */
export interface AlipayCertificateMaterial {
  /** SN of the app's public-key certificate: `app_cert_sn` on every request. */
  appCertSn: string;
  /** `alipay_root_cert_sn` on every request. */
  alipayRootCertSn: string;
  /** Alipay's certificates; several during a renewal (answers name theirs by SN). */
  alipayCertificates: AlipayPublicCertificate[];
  /**
   * What a certificate Alipay hands out later (alipay.open.app.alipaycert.download) must chain to: the root
   * bundle, and the intermediates of the files. Absent: no certificate is learned at run time.
   */
  trust?: { roots: X509Certificate[]; cas: X509Certificate[] };
}

const B64 = /^[A-Za-z0-9+/]+={0,2}$/;

function bareDer(raw: string, what: string): Buffer {
  const compact = raw.replace(/\s+/g, '');
  if (!B64.test(compact)) throw new Error(`${what} is neither PEM nor base64`);
  return Buffer.from(compact, 'base64');
}

/**
 * The app private key as PKCS#8 PEM. The Alipay key tool and console hand it
 * out as bare base64 (PKCS#8 for Java, PKCS#1 for other languages); PEM is
 * accepted too. The message of a failure never contains the key.
 */
export function alipayPrivateKeyPem(raw: string): string {
  const der = raw.includes('-----BEGIN') ? undefined : bareDer(raw, 'the app private key');
  const attempts = der
    ? (['pkcs8', 'pkcs1'] as const).map((type) => () => createPrivateKey({ key: der, format: 'der', type }))
    : [() => createPrivateKey(raw)];
  for (const attempt of attempts) {
    try {
      const key = attempt();
      if (key.asymmetricKeyType === 'rsa') return key.export({ type: 'pkcs8', format: 'pem' }).toString();
    } catch {
      // not this encoding
    }
  }
  throw new Error('the app private key is not an RSA private key (PKCS#8 or PKCS#1, PEM or base64)');
}

/** Alipay's public key (public-key mode) as SPKI PEM; the console shows it as bare base64. */
export function alipayPublicKeyPem(raw: string): string {
  try {
    const key = raw.includes('-----BEGIN')
      ? createPublicKey(raw)
      : createPublicKey({ key: bareDer(raw, "Alipay's public key"), format: 'der', type: 'spki' });
    return key.export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    throw new Error("Alipay's public key is not an RSA public key (SPKI, PEM or base64)");
  }
}

/** Walks from `cert` up through CA certificates to one of `roots`; false if the chain breaks. */
function chainsToRoot(cert: X509Certificate, cas: X509Certificate[], roots: X509Certificate[], depth = 0): boolean {
  if (depth > 4) return false;
  const signedBy = (ca: X509Certificate) => cert.checkIssued(ca) && cert.verify(ca.publicKey);
  if (roots.some(signedBy)) return true;
  return cas.some(
    (ca) =>
      ca.ca && ca.fingerprint256 !== cert.fingerprint256 && signedBy(ca) && chainsToRoot(ca, cas, roots, depth + 1),
  );
}

/** The Alipay (non-CA) certificates of a PEM text, each with whether it chains to the trusted roots. */
function alipayCertificatesIn(
  text: string,
  trust: { roots: X509Certificate[]; cas: X509Certificate[] },
): { certificate: AlipayPublicCertificate; subject: string; trusted: boolean }[] {
  const parsed = splitPemCertificates(text).map((pem) => ({ pem, cert: new X509Certificate(pem) }));
  // The intermediates travel in the same file as the certificate they issued.
  const cas = [...trust.cas, ...parsed.map((p) => p.cert).filter((c) => c.ca)];
  return parsed
    .filter((p) => !p.cert.ca)
    .map(({ pem, cert }) => ({
      certificate: {
        sn: alipayCertSn(pem),
        publicKeyPem: cert.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        notBefore: cert.validFromDate,
        notAfter: cert.validToDate,
      },
      subject: cert.subject.replace(/\n/g, ', '),
      trusted: chainsToRoot(cert, cas, trust.roots),
    }));
}

/**
 * Certificate mode from the three files the open platform hands out: the
 * app's certificate (appCertPublicKey_<appid>.crt), Alipay's
 * (alipayCertPublicKey_RSA2.crt; several may be concatenated during a
 * renewal) and the root bundle (alipayRootCert.crt). Every non-CA certificate
 * of the Alipay file must chain to the root bundle (its intermediate travels
 * in the same file), so a wrong file is refused at boot, not at the first
 * answer. `appPrivateKeyPem`, when given, must match the app certificate:
 * otherwise Alipay would refuse every request.
 */
export function loadAlipayCertificates(
  files: { appCert: string; alipayCert: string; rootCert: string },
  appPrivateKeyPem?: string,
): AlipayCertificateMaterial {
  const appCerts = splitPemCertificates(files.appCert);
  if (appCerts.length === 0) throw new Error('the app certificate holds no PEM certificate');
  if (appPrivateKeyPem) {
    const certKey = new X509Certificate(appCerts[0]).publicKey.export({ type: 'spki', format: 'der' });
    const ownKey = createPublicKey(appPrivateKeyPem).export({ type: 'spki', format: 'der' });
    if (!certKey.equals(ownKey)) throw new Error('the app certificate is not for the app private key');
  }
  const roots = splitPemCertificates(files.rootCert).map((p) => new X509Certificate(p));
  const alipayRootSn = alipayRootCertSn(files.rootCert);
  if (!alipayRootSn) throw new Error('the Alipay root bundle holds no RSA root certificate');
  const cas = splitPemCertificates(files.alipayCert)
    .map((pem) => new X509Certificate(pem))
    .filter((c) => c.ca);
  const trust = { roots, cas };
  const alipayCertificates = alipayCertificatesIn(files.alipayCert, trust).map((c) => {
    if (!c.trusted) throw new Error(`the Alipay certificate ${c.subject} does not chain to the root bundle`);
    return c.certificate;
  });
  if (alipayCertificates.length === 0) throw new Error('the Alipay certificate file holds no Alipay certificate');
  return { appCertSn: alipayCertSn(files.appCert), alipayRootCertSn: alipayRootSn, alipayCertificates, trust };
}

/**
 * The keys the adapter verifies Alipay with. Public-key mode: the one key.
 * Certificate mode: an answer names its certificate in `alipay_cert_sn` and
 * only that certificate (held and not expired) verifies it; an SN not held is
 * refused. An answer without an SN (as the Java SDK tolerates) is checked with
 * the newest valid certificate. Notifications carry no SN: any valid
 * certificate may verify them. A certificate Alipay renewed is learned at run
 * time (`learn`), only when it chains to the root bundle.
 */
export class AlipayVerifyKeys {
  /** Its own copy: certificates learned at run time are this adapter's, not the configuration's. */
  private readonly certificates: AlipayCertificateMaterial | undefined;

  constructor(
    private readonly publicKeyPem: string | undefined,
    certificates: AlipayCertificateMaterial | undefined,
    private readonly now: () => number = Date.now,
  ) {
    if (!publicKeyPem && !certificates) throw new Error('Alipay needs its public key or its certificates');
    this.certificates = certificates && { ...certificates, alipayCertificates: [...certificates.alipayCertificates] };
  }

  get certificateMode(): boolean {
    return this.certificates !== undefined;
  }

  /** The request parameters certificate mode adds (signed like every other). */
  requestParams(): { app_cert_sn?: string; alipay_root_cert_sn?: string } {
    const c = this.certificates;
    return c ? { app_cert_sn: c.appCertSn, alipay_root_cert_sn: c.alipayRootCertSn } : {};
  }

  private valid(): AlipayPublicCertificate[] {
    const t = this.now();
    return (this.certificates?.alipayCertificates ?? [])
      .filter((c) => c.notBefore.getTime() <= t && t < c.notAfter.getTime())
      .sort((a, b) => b.notBefore.getTime() - a.notBefore.getTime());
  }

  /** The key for an answer naming `certSn`; undefined: no key may verify it. */
  forAnswer(certSn: string | undefined): string | undefined {
    if (!this.certificates) return this.publicKeyPem;
    const valid = this.valid();
    return certSn === undefined ? valid[0]?.publicKeyPem : valid.find((c) => c.sn === certSn)?.publicKeyPem;
  }

  /**
   * Takes on the certificate `sn` from `content` (what alipay.open.app.alipaycert.download hands out: the
   * certificate and its intermediate, as PEM), when it chains to the root bundle and is valid now. The SN
   * names the certificate by issuer and serial only, so anyone can mint one with a wanted SN: the chain is the
   * check that matters.
   */
  learn(sn: string, content: string): 'learned' | 'not_in_content' | 'untrusted' | 'not_valid_now' {
    const material = this.certificates;
    if (!material?.trust) return 'untrusted';
    let found;
    try {
      found = alipayCertificatesIn(content, material.trust).find((c) => c.certificate.sn === sn);
    } catch {
      return 'not_in_content';
    }
    if (!found) return 'not_in_content';
    if (!found.trusted) return 'untrusted';
    const t = this.now();
    if (!(found.certificate.notBefore.getTime() <= t && t < found.certificate.notAfter.getTime()))
      return 'not_valid_now';
    if (!material.alipayCertificates.some((c) => c.sn === sn)) material.alipayCertificates.push(found.certificate);
    return 'learned';
  }

  /** Every key a notification may be signed with. */
  forNotification(): string[] {
    return this.certificates ? this.valid().map((c) => c.publicKeyPem) : [this.publicKeyPem!];
  }
}
