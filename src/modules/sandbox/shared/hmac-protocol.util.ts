import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The server side of Paygrid's two documented sandbox protocols, PGA/1 (card
 * acquirer, X-Acq-* headers) and PGB/1 (bank, X-Bank-* headers), written from
 * their specification (docs/custom-provider.md and the adapters' doc
 * comments), not from the adapters' code. HMAC-SHA256, lowercase hex:
 *   request:  `${METHOD}\n${path?query}\n${ts}\n${nonce}\n${body}\n`
 *   answer:   `response\n${ts}\n${nonce}\n${body}\n` (callbacks: `notify\n…`)
 * timestamps within ±300 s.
 */
export interface HmacHeaderNames {
  timestamp: string;
  nonce: string;
  signature: string;
}

const hex = (secret: string, message: string) => createHmac('sha256', secret).update(message, 'utf8').digest('hex');

function equalHex(a: string, b: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(a)) return false;
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

export type HmacCheck = 'ok' | 'signature_invalid' | 'timestamp_out_of_window';

export function checkSignedRequest(
  names: HmacHeaderNames,
  secret: string,
  method: string,
  pathAndQuery: string,
  body: string,
  get: (h: string) => string | undefined,
): HmacCheck {
  const ts = get(names.timestamp);
  if (!ts || !/^\d{1,12}$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return 'timestamp_out_of_window';
  const message = `${method.toUpperCase()}\n${pathAndQuery}\n${ts}\n${get(names.nonce) ?? ''}\n${body}\n`;
  return equalHex(get(names.signature) ?? '', hex(secret, message)) ? 'ok' : 'signature_invalid';
}

export function signedHeaders(
  names: HmacHeaderNames,
  secret: string,
  kind: 'response' | 'notify',
  body: string,
): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(12).toString('hex');
  return {
    [names.timestamp]: ts,
    [names.nonce]: nonce,
    [names.signature]: hex(secret, `${kind}\n${ts}\n${nonce}\n${body}\n`),
  };
}
