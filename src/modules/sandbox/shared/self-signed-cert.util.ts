import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { KeyObject, generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };

export interface IssuedCertificate {
  certificatePem: string;
  /** Hex, upper case, as X.509 tools print it. */
  serial: string;
  privateKeyPem: string;
  notBefore: Date;
  notAfter: Date;
}

async function importPair(privateKey: KeyObject, publicKey: KeyObject) {
  const priv = await webcrypto.subtle.importKey(
    'pkcs8',
    privateKey.export({ type: 'pkcs8', format: 'der' }),
    RSA_SHA256,
    false,
    ['sign'],
  );
  const pub = await webcrypto.subtle.importKey(
    'spki',
    publicKey.export({ type: 'spki', format: 'der' }),
    RSA_SHA256,
    true,
    ['verify'],
  );
  return { priv, pub };
}

/**
 * An RSA-2048 certificate for a simulator's own key, issued by `issuer` (its
 * key signs) or self-signed: what a provider's CA hands out, for the sandbox
 * and tests only (@peculiar/x509; node:crypto reads certificates but cannot make them).
 */
export async function issueCertificate(opts: {
  subject: string;
  issuer?: { name: string; privateKeyPem: string };
  days?: number;
  /** Defaults to a fresh key. */
  key?: { privateKey: KeyObject; publicKey: KeyObject };
}): Promise<IssuedCertificate> {
  const key = opts.key ?? generateKeyPairSync('rsa', { modulusLength: 2048 });
  const { priv, pub } = await importPair(key.privateKey, key.publicKey);
  const issuerKey = opts.issuer
    ? await webcrypto.subtle.importKey(
        'pkcs8',
        x509.PemConverter.decodeFirst(opts.issuer.privateKeyPem),
        RSA_SHA256,
        false,
        ['sign'],
      )
    : priv;
  // A positive serial (high bit clear), as CAs issue them.
  const serialBytes = randomBytes(16);
  serialBytes[0] &= 0x7f;
  serialBytes[0] |= 0x10;
  const serial = serialBytes.toString('hex').toUpperCase();
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + (opts.days ?? 365) * 86_400_000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: opts.subject,
    issuer: opts.issuer?.name ?? opts.subject,
    notBefore,
    notAfter,
    signingAlgorithm: RSA_SHA256,
    publicKey: pub,
    signingKey: issuerKey,
  });
  return {
    certificatePem: cert.toString('pem'),
    serial,
    privateKeyPem: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    notBefore,
    notAfter,
  };
}
