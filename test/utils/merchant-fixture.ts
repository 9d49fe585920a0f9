import { generateKeyPairSync } from 'node:crypto';
import { PaygridClient, PaygridClientOptions } from '@paygrid/sdk';
import { http } from './http';
import { TEST_ADMIN_TOKEN, TestApp } from './test-app';

export interface OnboardOptions {
  name?: string;
  channels?: string[];
  /** Sets a webhook endpoint; `webhookSecret` is then returned. */
  webhookUrl?: string;
  /** `rsa` registers a fresh 2048-bit public key; the client signs with its private key. */
  keyType?: 'hmac' | 'rsa';
  merchant?: { settlement_currency?: string; timezone?: string; fee_bps?: number; settlement_delay_days?: number };
  /** Extra client options; by default the client does not retry, so tests see every answer as it is. */
  client?: Partial<PaygridClientOptions>;
}

export interface OnboardedMerchant {
  merchantId: string;
  appId: string;
  keyId: string;
  /** The HMAC secret (`sk_…`), for HMAC keys. */
  secret?: string;
  /** PEM private key, for RSA keys. */
  privateKey?: string;
  webhookSecret?: string;
  client: PaygridClient;
}

async function admin<T = any>(t: TestApp, method: string, path: string, body?: unknown): Promise<T> {
  const res = await http<T>(method, `${t.baseUrl}${path}`, { body, token: TEST_ADMIN_TOKEN });
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${res.text}`);
  return res.body;
}

/**
 * Onboards a merchant through the admin API (merchant, app, key) and returns
 * its credentials with a ready SDK client: the starting point of every
 * merchant-facing e2e test.
 */
export async function onboardMerchant(t: TestApp, opts: OnboardOptions = {}): Promise<OnboardedMerchant> {
  const merchant = await admin<{ id: string }>(t, 'POST', '/admin/v1/merchants', {
    name: opts.name ?? 'Test merchant',
    ...(opts.merchant ?? {}),
  });
  const app = await admin<{ id: string; webhook_secret?: string }>(
    t,
    'POST',
    `/admin/v1/merchants/${merchant.id}/apps`,
    {
      name: `${opts.name ?? 'Test merchant'} app`,
      channels: opts.channels ?? ['alipay_qr', 'alipay_page', 'wechat_native', 'wechat_jsapi', 'card'],
      ...(opts.webhookUrl ? { webhook_url: opts.webhookUrl } : {}),
    },
  );
  const credentials = await addKey(t, app.id, opts.keyType ?? 'hmac');
  const client = new PaygridClient({
    baseUrl: t.baseUrl,
    appId: app.id,
    ...credentials,
    maxRetries: 0,
    ...(opts.client ?? {}),
  });
  return { merchantId: merchant.id, appId: app.id, ...credentials, webhookSecret: app.webhook_secret, client };
}

/** Issues another key for an app (at most two are active), e.g. to rotate keys. */
export async function addKey(
  t: TestApp,
  appId: string,
  type: 'hmac' | 'rsa' = 'hmac',
): Promise<{ keyId: string; secret?: string; privateKey?: string }> {
  if (type === 'hmac') {
    const key = await admin<{ id: string; secret: string }>(t, 'POST', `/admin/v1/apps/${appId}/keys`, {
      type: 'hmac',
    });
    return { keyId: key.id, secret: key.secret };
  }
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key = await admin<{ id: string }>(t, 'POST', `/admin/v1/apps/${appId}/keys`, {
    type: 'rsa',
    public_key: publicKey.export({ type: 'spki', format: 'pem' }),
  });
  return { keyId: key.id, privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

export async function revokeKey(t: TestApp, appId: string, keyId: string): Promise<void> {
  await admin(t, 'DELETE', `/admin/v1/apps/${appId}/keys/${keyId}`);
}
