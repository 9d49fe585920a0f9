import { verify } from 'node:crypto';
import { PaygridSignatureError } from './errors';
import type { JwksCache } from './response-verification';

/** What a verified return to your return_url tells you. Still confirm the order by webhook or GET. */
export interface CheckoutReturn {
  checkout_session_id: string;
  out_trade_no: string;
  payment_id: string;
  status: 'complete';
  amount: number;
  currency: string;
  timestamp: number;
  key_id: string;
}

const PREFIX = 'paygrid_';
const FIELDS = [
  'checkout_session_id',
  'out_trade_no',
  'payment_id',
  'status',
  'amount',
  'currency',
  'timestamp',
  'key_id',
];

/**
 * The string Paygrid signs: `paygrid-checkout-return\n`, then every
 * `paygrid_*` query parameter except `paygrid_signature`, sorted by name, as
 * `name=value\n` (decoded values). Your own parameters on return_url are not part of it.
 */
export function checkoutReturnStringToSign(query: URLSearchParams): string {
  const names = [...new Set([...query.keys()])]
    .filter((k) => k.startsWith(PREFIX) && k !== `${PREFIX}signature`)
    .sort();
  return `paygrid-checkout-return\n${names.map((k) => `${k}=${query.get(k)}`).join('\n')}\n`;
}

/**
 * Verifies the buyer's return from the hosted cashier: an Ed25519 signature
 * (base64url `paygrid_signature`) by the platform key `paygrid_key_id` of the
 * JWKS, and a `paygrid_timestamp` within `toleranceSeconds` (default 600) of
 * now. Throws PaygridSignatureError otherwise. A return is a convenience for
 * the buyer's browser; fulfil orders on the webhook (or a GET), not on this alone.
 */
export async function verifyCheckoutReturn(
  url: string | URL,
  jwks: JwksCache,
  { toleranceSeconds = 600, nowSeconds = Math.floor(Date.now() / 1000) } = {},
): Promise<CheckoutReturn> {
  const query = new URL(url).searchParams;
  for (const f of [...FIELDS, 'signature'])
    if (query.getAll(`${PREFIX}${f}`).length !== 1)
      throw new PaygridSignatureError(`The return URL lacks exactly one ${PREFIX}${f}`);
  const get = (f: string) => query.get(`${PREFIX}${f}`)!;
  const ts = get('timestamp');
  if (!/^[0-9]{1,12}$/.test(ts) || Math.abs(nowSeconds - Number(ts)) > toleranceSeconds)
    throw new PaygridSignatureError('The return URL timestamp is outside the allowed window');
  const key = await jwks.signingKey(get('key_id'));
  if (!key) throw new PaygridSignatureError(`The return URL is signed with an unknown key ${get('key_id')}`);
  let valid = false;
  try {
    valid = verify(
      null,
      Buffer.from(checkoutReturnStringToSign(query)),
      key,
      Buffer.from(get('signature'), 'base64url'),
    );
  } catch {
    valid = false;
  }
  if (!valid) throw new PaygridSignatureError('The return URL signature does not verify');
  return {
    checkout_session_id: get('checkout_session_id'),
    out_trade_no: get('out_trade_no'),
    payment_id: get('payment_id'),
    status: get('status') as 'complete',
    amount: Number(get('amount')),
    currency: get('currency'),
    timestamp: Number(ts),
    key_id: get('key_id'),
  };
}
