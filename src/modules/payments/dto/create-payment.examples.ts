const JWE =
  'eyJhbGciOiJSU0EtT0FFUC0yNTYiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoicGtfZW5jXzAxIn0.c2VhbGVkLWNlay4uLg.aXYtOTYtYml0cw.Y2lwaGVydGV4dA.dGFnLTEyOC1iaXRz';

/** One request body per channel, each with only the fields that channel takes (Swagger UI offers them in a list). */
export const CREATE_PAYMENT_EXAMPLES: Record<string, { summary: string; value: Record<string, unknown> }> = {
  alipay_qr: {
    summary: 'Alipay QR code (the payer scans next_action.qr_code)',
    value: {
      out_trade_no: 'order-1001',
      amount: 10000,
      currency: 'CNY',
      channel: 'alipay_qr',
      subject: 'Coffee beans 1 kg',
    },
  },
  alipay_page: {
    summary: 'Alipay web checkout (redirect the payer to next_action.url)',
    value: {
      out_trade_no: 'order-1002',
      amount: 10000,
      currency: 'CNY',
      channel: 'alipay_page',
      subject: 'Coffee beans 1 kg',
      return_url: 'https://shop.example.com/paid',
    },
  },
  wechat_native: {
    summary: 'WeChat Pay Native (QR code)',
    value: {
      out_trade_no: 'order-1003',
      amount: 2500,
      currency: 'CNY',
      channel: 'wechat_native',
      subject: 'Tea',
      expires_in: 900,
    },
  },
  wechat_jsapi: {
    summary: 'WeChat Pay JSAPI inside WeChat (needs the payer’s openid)',
    value: {
      out_trade_no: 'order-1004',
      amount: 2500,
      currency: 'CNY',
      channel: 'wechat_jsapi',
      subject: 'Tea',
      payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    },
  },
  card: {
    summary: 'Card, encrypted in the browser or by the SDK (JWE, RSA-OAEP-256 + A256GCM)',
    value: {
      out_trade_no: 'order-1005',
      amount: 500,
      currency: 'CNY',
      channel: 'card',
      subject: 'Tea',
      card: { encrypted: JWE },
    },
  },
  card_manual_capture: {
    summary: 'Card token from an earlier payment, authorized now and captured later',
    value: {
      out_trade_no: 'order-1006',
      amount: 500,
      currency: 'CNY',
      channel: 'card',
      subject: 'Hotel deposit',
      capture_method: 'manual',
      card: { token: 'tok_01jb8y3k2m9x7q4w5e6r7t8y9u' },
    },
  },
};
