import { KeyObject, sign, verify } from 'node:crypto';

/** What Paygrid adds to a session's return_url; `paygrid_signature` covers all of the others. */
export interface CheckoutReturnParams {
  checkout_session_id: string;
  out_trade_no: string;
  payment_id: string;
  status: 'complete';
  amount: string;
  currency: string;
  /** Unix seconds: a merchant refuses stale returns. */
  timestamp: string;
  /** `kid` of the platform signing key in /.well-known/jwks.json. */
  key_id: string;
}

const PREFIX = 'paygrid_';
const DOMAIN = 'paygrid-checkout-return';

/**
 * The signed string: a domain line, then every `paygrid_*` parameter except
 * the signature, sorted by name, as `name=value` lines (raw values). A
 * merchant's own query parameters on return_url are left alone and unsigned.
 * libs/sdk `verifyCheckoutReturn` builds the same string.
 */
export function checkoutReturnSigningString(params: Record<string, string>): string {
  const lines = Object.keys(params)
    .filter((k) => k.startsWith(PREFIX) && k !== `${PREFIX}signature`)
    .sort()
    .map((k) => `${k}=${params[k]}`);
  return `${DOMAIN}\n${lines.join('\n')}\n`;
}

/** return_url with the signed `paygrid_*` parameters appended (Ed25519, base64url). */
export function signedReturnUrl(returnUrl: string, p: CheckoutReturnParams, key: KeyObject): string {
  const url = new URL(returnUrl);
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) params[`${PREFIX}${k}`] = v;
  const signature = sign(null, Buffer.from(checkoutReturnSigningString(params)), key).toString('base64url');
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  url.searchParams.set(`${PREFIX}signature`, signature);
  return url.toString();
}

/** The server's own check (tests; the SDK has the merchant's). */
export function verifyReturnSignature(query: URLSearchParams, key: KeyObject): boolean {
  const params = Object.fromEntries(query);
  const sig = params[`${PREFIX}signature`];
  if (!sig) return false;
  return verify(null, Buffer.from(checkoutReturnSigningString(params)), key, Buffer.from(sig, 'base64url'));
}
