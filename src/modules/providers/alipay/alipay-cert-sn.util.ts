import { createHash, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';

/**
 * Alipay public-key-certificate mode (公钥证书): the serial numbers ("SN")
 * requests and answers name certificates by. The rule is the official SDKs'
 * (alipay-sdk 4.14 `antcertutil.ts` getSN / getRootCertSN; alipay-sdk-java
 * AntCertificationUtil): hex MD5 of the issuer's attributes in reverse order,
 * written `k=v` and joined by `,`, followed by the serial number in decimal.
 * The attribute names are the short ones the SDK knows (CN, C, L, ST, O, OU,
 * E); any other attribute is written with an empty name (`=value`), as the
 * SDK does. The root SN joins the SNs of the bundle's RSA-signed certificates
 * (signature OID 1.2.840.113549.1.1.*) with `_`: the bundle also holds ECC and
 * SM2 roots, which do not count.
 */

const SHORT_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'E',
};

const RSA_SIGNATURE_OID_PREFIX = '1.2.840.113549.1.1';

/** Every certificate of a PEM text, in order (a file may hold a chain, a root bundle several roots). */
export function splitPemCertificates(text: string): string[] {
  return text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function parse(pem: string): Certificate {
  return AsnConvert.parse(new X509Certificate(pem).raw, Certificate);
}

function snOf(cert: Certificate): string {
  // The SDK flattens the RDN sets, then walks the attributes backwards.
  const attributes = cert.tbsCertificate.issuer.flatMap((rdn) => [...rdn]);
  const principal = attributes
    .reverse()
    .map((a) => `${SHORT_NAMES[a.type] ?? ''}=${a.value.toString()}`)
    .join(',');
  const serial = BigInt('0x' + Buffer.from(cert.tbsCertificate.serialNumber).toString('hex')).toString(10);
  return createHash('md5')
    .update(principal + serial, 'utf8')
    .digest('hex');
}

/** SN of one certificate (the first of `pem`, like the SDK): app_cert_sn, alipay_cert_sn. */
export function alipayCertSn(pem: string): string {
  const first = splitPemCertificates(pem)[0];
  if (!first) throw new Error('no PEM certificate found');
  return snOf(parse(first));
}

/** alipay_root_cert_sn of a root bundle (alipayRootCert.crt). */
export function alipayRootCertSn(bundlePem: string): string {
  return splitPemCertificates(bundlePem)
    .map(parse)
    .filter((c) => c.signatureAlgorithm.algorithm.startsWith(RSA_SIGNATURE_OID_PREFIX))
    .map(snOf)
    .join('_');
}
