import { createHmac } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { PaygridWebhookError } from './errors';

/**
 * Webhooks follow Standard Webhooks: `webhook-id`, `webhook-timestamp` and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
 * keyed with the base64-decoded part of the `whsec_…` secret).
 */
// A type alias, not an interface, so it is assignable to a plain header record.
export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

function secretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
}

/**
 * Signs a webhook as Paygrid sends it: one `v1,` signature per secret
 * (two during a secret rotation), space-separated. Written against the
 * specification rather than with the standardwebhooks package, so checking
 * its output with that package is an independent test.
 */
export function signWebhook(
  secrets: string | string[],
  message: { id: string; timestamp: Date | number; payload: string },
): WebhookHeaders {
  const seconds =
    message.timestamp instanceof Date ? Math.floor(message.timestamp.getTime() / 1000) : message.timestamp;
  const signed = `${message.id}.${seconds}.${message.payload}`;
  const signatures = (Array.isArray(secrets) ? secrets : [secrets]).map(
    (s) => `v1,${createHmac('sha256', secretBytes(s)).update(signed, 'utf8').digest('base64')}`,
  );
  return { 'webhook-id': message.id, 'webhook-timestamp': String(seconds), 'webhook-signature': signatures.join(' ') };
}

function headerRecord(headers: Headers | Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof (headers as Headers).get === 'function') {
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      const value = (headers as Headers).get(name);
      if (value !== null) out[name] = value;
    }
    return out;
  }
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value === 'string') out[name.toLowerCase()] = value;
    else if (Array.isArray(value)) out[name.toLowerCase()] = value.join(', ');
  }
  return out;
}

/**
 * Verifies a webhook with the standardwebhooks package (constant-time
 * comparison, 5-minute timestamp tolerance) and returns the parsed event.
 * `payload` must be the raw body exactly as received.
 */
export function verifyWebhook<T = unknown>(
  secret: string,
  payload: string | Buffer,
  headers: Headers | Record<string, string | string[] | undefined>,
): T {
  try {
    return new Webhook(secret).verify(payload, headerRecord(headers)) as T;
  } catch (err) {
    if (err instanceof WebhookVerificationError) throw new PaygridWebhookError(err.message);
    throw new PaygridWebhookError(`Webhook verification failed: ${(err as Error).message}`);
  }
}
