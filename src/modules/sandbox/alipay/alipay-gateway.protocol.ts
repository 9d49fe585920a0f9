import { X509Certificate, createHash } from 'node:crypto';
import { rsaSha256SignAsync, rsaSha256VerifyB64 } from '../shared/sim-format.util';

/**
 * The gateway's side of Alipay OpenAPI 2.0 RSA2, written from the protocol
 * (opendocs.alipay.com "自行实现签名", alipay-sdk `sign()` / `checkResponseSign`),
 * not from the adapter:
 * - a request is signed over every sent parameter except `sign`, keys sorted,
 *   `k=v` joined by `&`, raw values;
 * - an answer is signed over the raw JSON text of its `*_response` node;
 * - a notification is signed over every parameter except `sign` and `sign_type`.
 */

export type GatewayParams = Record<string, string>;

export function formParams(raw: Buffer | string): GatewayParams {
  const out: GatewayParams = {};
  for (const [k, v] of new URLSearchParams(typeof raw === 'string' ? raw : raw.toString('utf8'))) out[k] = v;
  return out;
}

function content(params: GatewayParams, without: readonly string[]): string {
  return Object.keys(params)
    .filter((k) => !without.includes(k) && params[k] !== '')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

export function verifyAppRequest(params: GatewayParams, appPublicKeyPem: string): boolean {
  return rsaSha256VerifyB64(content(params, ['sign']), params.sign ?? '', appPublicKeyPem);
}

export const responseKey = (method: string): string => `${method.replace(/\./g, '_')}_response`;

/**
 * `{"<method>_response":{…},"sign":"…"}` (or `error_response`). Slashes are
 * escaped as Alipay writes them, so a verifier must retry with `\/` → `/`.
 * `extra` holds top-level members after the node (`alipay_cert_sn` in certificate mode).
 */
export async function signedAnswer(
  method: string,
  node: Record<string, unknown>,
  alipayPrivateKeyPem: string,
  opts: { asError?: boolean; unsigned?: boolean; extra?: Record<string, string> } = {},
): Promise<string> {
  const key = opts.asError ? 'error_response' : responseKey(method);
  const nodeJson = JSON.stringify(node).replace(/\//g, '\\/');
  const extra = Object.entries(opts.extra ?? {})
    .map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join('');
  if (opts.unsigned) return `{"${key}":${nodeJson}${extra}}`;
  return `{"${key}":${nodeJson}${extra},"sign":"${await rsaSha256SignAsync(nodeJson, alipayPrivateKeyPem)}"}`;
}

/** A notification's params with `sign` added (signed without `sign` and `sign_type`). */
export async function signedNotification(params: GatewayParams, alipayPrivateKeyPem: string): Promise<GatewayParams> {
  const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== ''));
  return { ...clean, sign: await rsaSha256SignAsync(content(clean, ['sign', 'sign_type']), alipayPrivateKeyPem) };
}

/** The synchronous return to return_url: signed like a notification (the merchant checks it the same way). */
export const signedReturn = signedNotification;

/**
 * The gateway's SN of a certificate (公钥证书 mode), its own way: node's
 * issuer lines (one `k=v` per attribute) read backwards and joined by `,`,
 * then the serial in decimal, MD5 in hex. Enough for the simulator's own
 * certificates (ASCII names of CN, OU, O, C).
 */
export function gatewayCertSn(pem: string): string {
  const cert = new X509Certificate(pem);
  const issuer = cert.issuer.split('\n').reverse().join(',');
  return createHash('md5')
    .update(issuer + BigInt(`0x${cert.serialNumber}`).toString(10), 'utf8')
    .digest('hex');
}
