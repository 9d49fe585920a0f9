import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyObject, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };

/** How a certificate is signed: RSA with SHA-256 (the default) or SHA-1, or ECDSA P-256 (self-signed roots only). */
export type CertificateAlgorithm = 'rsa-sha256' | 'rsa-sha1' | 'ecdsa-p256';

type SigningParams = { name: string; hash: string; namedCurve?: string };

const SIGNING: Record<CertificateAlgorithm, SigningParams> = {
  'rsa-sha256': RSA_SHA256,
  'rsa-sha1': { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-1' },
  'ecdsa-p256': { name: 'ECDSA', hash: 'SHA-256', namedCurve: 'P-256' },
};

export interface IssuedCertificate {
  certificatePem: string;
  /** Hex, upper case, as X.509 tools print it. */
  serial: string;
  /** Empty for a certificate issued for a key whose private half the issuer does not have. */
  privateKeyPem: string;
  notBefore: Date;
  notAfter: Date;
}

async function importPublic(publicKey: KeyObject, alg: SigningParams = RSA_SHA256) {
  return webcrypto.subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), alg, true, ['verify']);
}

/**
 * A certificate (RSA-2048 unless ECDSA is asked for) for a simulator's own key, issued by `issuer` (its
 * key signs) or self-signed: what a provider's CA hands out, for the sandbox
 * and tests only (@peculiar/x509; node:crypto reads certificates but cannot make them).
 */
export async function issueCertificate(opts: {
  subject: string;
  issuer?: { name: string; privateKeyPem: string };
  days?: number;
  /** Defaults to a fresh key. Without its private key (a certificate for someone else's key) an issuer is needed. */
  key?: { privateKey?: KeyObject; publicKey: KeyObject };
  /** A CA certificate (basicConstraints cA): roots and intermediates. */
  ca?: boolean;
  /** Default rsa-sha256; with an issuer, the issuer's key type must fit. */
  algorithm?: CertificateAlgorithm;
  /** Hex serial; default a fresh random one (tests: a forgery that copies another certificate's serial). */
  serial?: string;
}): Promise<IssuedCertificate> {
  const alg = SIGNING[opts.algorithm ?? 'rsa-sha256'];
  const key =
    opts.key ??
    (alg.name === 'ECDSA'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 }));
  const signer = opts.issuer
    ? x509.PemConverter.decodeFirst(opts.issuer.privateKeyPem)
    : key.privateKey?.export({ type: 'pkcs8', format: 'der' });
  if (!signer) throw new Error('a certificate for a foreign key needs an issuer');
  const pub = await importPublic(key.publicKey, alg.name === 'ECDSA' ? alg : RSA_SHA256);
  const signingKey = await webcrypto.subtle.importKey('pkcs8', signer, alg, false, ['sign']);
  // A positive serial (high bit clear), as CAs issue them.
  const serialBytes = randomBytes(16);
  serialBytes[0] &= 0x7f;
  serialBytes[0] |= 0x10;
  const serial = opts.serial ?? serialBytes.toString('hex').toUpperCase();
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + (opts.days ?? 365) * 86_400_000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: opts.subject,
    issuer: opts.issuer?.name ?? opts.subject,
    notBefore,
    notAfter,
    signingAlgorithm: alg,
    publicKey: pub,
    signingKey,
    extensions: opts.ca ? [new x509.BasicConstraintsExtension(true, undefined, true)] : [],
  });
  return {
    certificatePem: cert.toString('pem'),
    serial,
    privateKeyPem: key.privateKey?.export({ type: 'pkcs8', format: 'pem' }).toString() ?? '',
    notBefore,
    notAfter,
  };
}
