import { createHmac } from 'node:crypto';

/**
 * The sandbox Stripe account's keys, derived from the card acquirer's
 * sandbox material (as the bank's are), so installs whose sandbox keys were
 * stored before the Stripe rail existed keep working: both sides compute
 * the same values from what is stored.
 */
export function stripeSandboxKeys(card: { hmacSecret: string }): {
  accountId: string;
  secretKey: string;
  publishableKey: string;
  webhookSecret: string;
} {
  const derive = (label: string) =>
    createHmac('sha256', card.hmacSecret).update(`paygrid-sandbox-stripe:${label}`).digest('base64url');
  const alnum = (label: string, n: number) =>
    derive(label)
      .replace(/[^A-Za-z0-9]/g, '')
      .slice(0, n);
  return {
    accountId: `acct_${alnum('account', 16)}`,
    secretKey: `sk_test_${alnum('secret', 40)}`,
    publishableKey: `pk_test_${alnum('publishable', 40)}`,
    webhookSecret: `whsec_${alnum('webhook', 32)}`,
  };
}
