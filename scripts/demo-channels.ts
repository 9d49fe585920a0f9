import { parseArgs } from 'node:util';
import type { CreatePaymentParams, Payment, PaygridClient } from '@paygrid/sdk';

/**
 * `npm run demo -- --channel <name>`: what each channel needs on create and
 * how its sandbox payer pays, so the demo takes a payment on every channel.
 * Card rails take the 3-D Secure path (challenge completed by the payer).
 */
export interface DemoChannel {
  label: string;
  /** Extra create parameters (payer, card, return_url). */
  params(client: PaygridClient): Promise<Partial<CreatePaymentParams>>;
  /** What the payer does; undefined when nothing is left to do (paid at the scan). */
  payerUrl(payment: Payment, sandboxUrl: string): { url: string; body: Record<string, unknown> } | undefined;
}

const RETURN_URL = 'https://shop.example.com/paid';
const none = async () => ({});
const at = (url: string, body: Record<string, unknown> = {}) => ({ url, body });

/** The URL (and body) a sandbox payer POSTs to for a payment's next_action. */
function fromNextAction(p: Payment, sandboxUrl: string): { url: string; body: Record<string, unknown> } | undefined {
  const a = p.next_action;
  if (!a) return undefined;
  switch (a.type) {
    case 'qr_code':
      return at(a.qr_code);
    case 'redirect':
    case 'three_d_secure':
      return at(a.url);
    case 'wechat_jsapi':
      return at(`${sandboxUrl}/sandbox/wechatpay/jsapi/pay`, a.params);
    case 'wechat_app':
      return at(`${sandboxUrl}/sandbox/wechatpay/app/pay`, a.params);
    case 'alipay_app':
      return at(`${sandboxUrl}/sandbox/alipay/app/pay`, { order_string: a.order_string });
  }
}

export const DEMO_CHANNELS: Record<string, DemoChannel> = {
  alipay_qr: { label: 'an Alipay QR payment', params: none, payerUrl: fromNextAction },
  alipay_page: {
    label: 'an Alipay desktop cashier payment',
    params: async () => ({ return_url: RETURN_URL }),
    payerUrl: fromNextAction,
  },
  alipay_wap: {
    label: 'an Alipay mobile-web payment',
    params: async () => ({ return_url: RETURN_URL }),
    payerUrl: fromNextAction,
  },
  alipay_app: { label: 'an Alipay in-app payment (signed order string)', params: none, payerUrl: fromNextAction },
  alipay_barcode: {
    label: "an Alipay face-to-face payment (the merchant scans the payer's code)",
    params: async () => ({ payer: { auth_code: '281234567890123456' } }),
    payerUrl: fromNextAction,
  },
  wechat_native: { label: 'a WeChat Pay Native (QR) payment', params: none, payerUrl: fromNextAction },
  wechat_jsapi: {
    label: 'a WeChat Pay JSAPI payment',
    params: async () => ({ payer: { openid: 'o_demo_payer' } }),
    payerUrl: fromNextAction,
  },
  wechat_miniprogram: {
    label: 'a WeChat Pay mini-program payment',
    params: async () => ({ payer: { openid: 'o_demo_mini_payer' } }),
    payerUrl: fromNextAction,
  },
  wechat_h5: {
    label: 'a WeChat Pay H5 (mobile browser) payment',
    params: async () => ({ payer: { ip: '203.0.113.7' } }),
    payerUrl: fromNextAction,
  },
  wechat_app: { label: 'a WeChat Pay in-app payment (OpenSDK PayReq)', params: none, payerUrl: fromNextAction },
  card: {
    label: 'a card payment on the PGA/1 acquirer with 3-D Secure',
    params: async (client) => ({
      card: {
        encrypted: await client.encryptCard({ number: '4000000000003220', exp_month: 12, exp_year: 2030, cvc: '123' }),
      },
      return_url: RETURN_URL,
    }),
    payerUrl: fromNextAction,
  },
  stripe_card: {
    label: 'a Stripe card payment with a 3DS2 challenge (Stripe test PaymentMethod)',
    params: async () => ({ card: { payment_method: 'pm_card_threeDSecure2Required' }, return_url: RETURN_URL }),
    payerUrl: fromNextAction,
  },
};

/**
 * `--channel <name>` (alipay_qr by default) and `--webhook-port <port>` (a free port by default), with node's own
 * argument parser: `--x=y` and `--x y` both work, and an unknown option is refused rather than ignored.
 */
export function demoArgs(argv: readonly string[]): { channel: string; webhookPort: number } {
  const { values } = parseArgs({
    args: [...argv],
    options: { channel: { type: 'string', default: 'alipay_qr' }, 'webhook-port': { type: 'string', default: '0' } },
    strict: true,
  });
  const channel = values.channel;
  if (!DEMO_CHANNELS[channel])
    throw new Error(`--channel must be one of: ${Object.keys(DEMO_CHANNELS).join(', ')} (got ${channel})`);
  const webhookPort = Number(values['webhook-port']);
  if (!/^\d+$/.test(values['webhook-port']) || webhookPort > 65_535)
    throw new Error(`--webhook-port must be a port number (got ${values['webhook-port']})`);
  return { channel, webhookPort };
}
