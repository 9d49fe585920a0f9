import 'reflect-metadata';
import { existsSync, readFileSync } from 'node:fs';
import { IncomingHttpHeaders, createServer } from 'node:http';
import { resolve } from 'node:path';
import { PaygridClient, type Payment, verifyWebhook } from '@paygrid/sdk';
import { bindDemoQueue } from './demo-rabbit';
import { DEMO_CHANNELS, demoArgs } from './demo-channels';

/**
 * `npm run demo`: one sandbox payment end to end against a running Paygrid
 * (`npm start` in another terminal), printing each step with its ids:
 * payment → payer pays in the sandbox → verified webhook → partial refund →
 * balance and ledger → the day's settlement and payout → a checkout session →
 * a profit-sharing payment split to a receiver (WeChat Pay and Alipay channels). With AMQP_URL it
 * also shows the events arriving on a RabbitMQ queue of its own.
 *
 * `--channel <name>` picks the channel (default alipay_qr; every channel works,
 * see scripts/demo-channels.ts); `--webhook-port <port>` the local port of its
 * webhook receiver (a free one by default). At the end, and when it fails, it
 * removes its app's webhook endpoint, so no later delivery retries a receiver
 * that is gone. Reads PAYGRID_URL and PAYGRID_ADMIN_TOKEN, or the credentials `npm start`
 * wrote on first boot (.data/demo-credentials.json).
 */
interface Credentials {
  base_url?: string;
  merchant_id?: string;
  admin_token?: string;
}

const step = (n: number, text: string) => process.stdout.write(`\n[${n}] ${text}\n`);
const info = (text: string) => process.stdout.write(`    ${text}\n`);

function credentials(): { baseUrl: string; adminToken: string; merchantId?: string } {
  const file = resolve(process.env.PAYGRID_DATA_DIR ?? '.data', 'demo-credentials.json');
  const saved: Credentials = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const baseUrl = (process.env.PAYGRID_URL ?? saved.base_url ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
  const adminToken = process.env.PAYGRID_ADMIN_TOKEN ?? saved.admin_token;
  if (!adminToken)
    throw new Error(
      `No admin token: set PAYGRID_ADMIN_TOKEN, or start Paygrid once in sandbox mode so it writes ${file}`,
    );
  return { baseUrl, adminToken, merchantId: process.env.PAYGRID_DEMO_MERCHANT ?? saved.merchant_id };
}

async function admin<T = any>(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${baseUrl}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} /admin/v1${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json as T;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A merchant's webhook receiver: verifies every delivery with the SDK (Standard Webhooks). */
function startReceiver(secretRef: { secret?: string }, port: number) {
  const received: Array<{ id: string; type: string; verified: boolean }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        const event = verifyWebhook<{ id: string; type: string }>(
          secretRef.secret ?? '',
          body,
          req.headers as IncomingHttpHeaders as Record<string, string>,
        );
        received.push({ id: event.id, type: event.type, verified: true });
        info(`webhook ${event.type} ${event.id} — signature verified (webhook-id ${req.headers['webhook-id']})`);
        res.writeHead(204).end();
      } catch (err) {
        received.push({ id: String(req.headers['webhook-id']), type: 'unverified', verified: false });
        info(`webhook REJECTED: ${(err as Error).message}`);
        res.writeHead(400).end();
      }
    });
  });
  return new Promise<{ url: string; received: typeof received; close: () => void }>((ok, fail) =>
    server
      .once('error', (err) => fail(new Error(`the webhook receiver cannot listen on port ${port}: ${err.message}`)))
      .listen(port, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        ok({ url: `http://127.0.0.1:${port}/paygrid/webhooks`, received, close: () => server.close() });
      }),
  );
}

async function main(): Promise<void> {
  const { channel, webhookPort } = demoArgs(process.argv.slice(2));
  const demo = DEMO_CHANNELS[channel];
  const { baseUrl, adminToken, merchantId: savedMerchant } = credentials();
  const result: Record<string, unknown> = { base_url: baseUrl };
  const ready = await fetch(`${baseUrl}/health/ready`).catch(() => undefined);
  if (!ready?.ok) throw new Error(`Paygrid is not ready at ${baseUrl} (start it with npm start)`);

  step(1, 'Merchant app with a webhook endpoint (admin API)');
  const secretRef: { secret?: string } = {};
  const receiver = await startReceiver(secretRef, webhookPort);
  const merchantId =
    savedMerchant ??
    (await admin(baseUrl, adminToken, 'POST', '/merchants', { name: 'Demo Coffee Co.', fee_bps: 60 })).id;
  const app = await admin(baseUrl, adminToken, 'POST', `/merchants/${merchantId}/apps`, {
    name: `demo run ${new Date().toISOString()}`,
    channels: [channel],
    webhook_url: receiver.url,
  });
  secretRef.secret = app.webhook_secret;
  const key = await admin(baseUrl, adminToken, 'POST', `/apps/${app.id}/keys`, { type: 'hmac' });
  info(`merchant ${merchantId}, app ${app.id}, key ${key.id}, webhooks to ${receiver.url}`);
  const client = new PaygridClient({ baseUrl, appId: app.id, keyId: key.id, secret: key.secret });
  Object.assign(result, { merchant_id: merchantId, app_id: app.id });
  try {
    await run();
  } finally {
    // The receiver goes away with this process: an endpoint left pointing at it would retry for a day.
    await admin(baseUrl, adminToken, 'PATCH', `/apps/${app.id}`, { webhook_url: null }).then(
      () => info(`removed the webhook endpoint of ${app.id} (its receiver stops with the demo)`),
      (err: Error) => info(`could not remove the webhook endpoint of ${app.id}: ${err.message}`),
    );
    receiver.close();
  }
  process.stdout.write(`\nDEMO RESULT ${JSON.stringify(result)}\n`);

  async function run(): Promise<void> {
    const rabbit = process.env.AMQP_URL
      ? await bindDemoQueue(process.env.AMQP_URL, process.env.EVENTS_NAMESPACE ?? 'paygrid', (e) =>
          info(`RabbitMQ ${e.type} ${e.id}`),
        )
      : undefined;
    if (rabbit) info(`bound queue ${rabbit.queue} to ${rabbit.exchange} with '#'`);

    step(2, `Create ${demo.label} of 100.00 CNY on ${channel} (signed request, idempotency key set by the SDK)`);
    const payment = await client.createPayment({
      out_trade_no: `demo-${Date.now()}`,
      amount: 10000,
      currency: 'CNY',
      channel: channel as never,
      subject: 'Demo: coffee beans 1 kg',
      ...(await demo.params(client)),
    });
    info(`payment ${payment.id}: ${payment.status}; ${payerStep(payment.next_action)}`);

    step(3, `The payer pays in the ${channel} sandbox; the simulator sends its signed notification to Paygrid`);
    const payer = demo.payerUrl(payment, (process.env.SANDBOX_URL ?? baseUrl).replace(/\/$/, ''));
    if (payer) {
      const paid = await fetch(payer.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...payer.body, outcome: 'success' }),
      });
      info(`payer's POST to ${payer.url.split('?')[0]} answered ${paid.status}`);
    } else info('nothing left for the payer to do: paid when the code was scanned');
    const succeeded = await until('the payment to succeed', async () => {
      const p = await client.getPayment(payment.id);
      return p.status === 'succeeded' ? p : undefined;
    });
    info(
      `payment ${succeeded.id}: ${succeeded.status}, captured ${succeeded.amount_captured}, platform fee ${succeeded.fee}`,
    );
    await until('the payment.succeeded webhook', async () =>
      receiver.received.find((w) => w.type === 'payment.succeeded'),
    );
    result.payment = { id: succeeded.id, status: succeeded.status, fee: succeeded.fee };

    step(4, 'Refund 30.00 CNY of it');
    const refund = await client.createRefund({
      payment_id: payment.id,
      out_refund_no: `demo-r-${Date.now()}`,
      amount: 3000,
      reason: 'one bag returned',
    });
    info(`refund ${refund.id}: ${refund.status}, fee returned ${refund.fee_refunded}`);
    await until('the refund.succeeded webhook', async () =>
      receiver.received.find((w) => w.type === 'refund.succeeded'),
    );
    result.refund = { id: refund.id, status: refund.status };

    step(5, "The merchant's balance and the ledger entries behind it");
    const balance = await client.getBalance();
    for (const b of balance.balances)
      info(`${b.currency}: pending ${b.pending}, available ${b.available}, in transit ${b.in_transit}`);
    const entries = [
      ...(await admin(baseUrl, adminToken, 'GET', `/ledger/entries?reference_type=payment&reference_id=${payment.id}`))
        .data,
      ...(await admin(baseUrl, adminToken, 'GET', `/ledger/entries?reference_type=refund&reference_id=${refund.id}`))
        .data,
    ];
    for (const e of entries) {
      info(`${e.id} ${e.type}`);
      for (const p of e.postings)
        info(
          `    ${p.direction.padEnd(6)} ${String(p.amount).padStart(8)} ${p.currency} ${p.account_code}${p.subkey ? `:${p.subkey}` : ''}`,
        );
    }
    result.balance = balance.balances;
    result.ledger_entries = entries.map((e: any) => e.type);

    step(6, "Settle today's business day now (admin, force: the day has not ended) and pay it out");
    const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const run = await admin(baseUrl, adminToken, 'POST', '/settlements/run', {
      day,
      merchant_id: merchantId,
      force: true,
    });
    const settlement = run.data.find((s: any) => s.currency === 'CNY');
    if (settlement) {
      info(
        `settlement ${settlement.id} for ${settlement.business_day ?? day}: net ${settlement.net_amount ?? settlement.net} ${settlement.currency}`,
      );
      const payout = await until(
        'the payout',
        async () =>
          (await admin(baseUrl, adminToken, 'GET', `/payouts?merchant_id=${merchantId}`)).data.find(
            (p: any) => p.settlement_id === settlement.id && ['paid', 'failed', 'awaiting_approval'].includes(p.status),
          ),
        60_000,
      ).catch(() => undefined);
      info(
        payout
          ? `payout ${payout.id}: ${payout.status} ${payout.amount} ${payout.currency}`
          : 'payout not finished yet (is the worker running?)',
      );
      result.settlement = { id: settlement.id };
      result.payout = payout ? { id: payout.id, status: payout.status } : undefined;
    } else info('nothing to settle');

    step(7, 'A checkout session: the buyer pays on the hosted cashier and comes back with a signed query');
    const session = await client.createCheckoutSession({
      out_trade_no: `demo-cs-${Date.now()}`,
      amount: 2500,
      currency: 'CNY',
      subject: 'Demo: a flat white',
      return_url: 'https://shop.example.com/orders/demo/paid',
    });
    info(`checkout session ${session.id}: ${session.status}; the buyer opens (or any wallet scans) ${session.url}`);
    // What the buyer's browser does on the page: choose Alipay, then (sandbox) press "Pay".
    const form = (path: string, fields: Record<string, string>) =>
      fetch(`${session.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual',
      });
    await form('/pay', { channel: 'alipay_qr' });
    await form('/sandbox', { outcome: 'success' });
    const complete = await until('the checkout session to complete', async () => {
      const s = await client.getCheckoutSession(session.id);
      return s.status === 'complete' ? s : undefined;
    });
    const back = await fetch(`${session.url}/return`, { redirect: 'manual' });
    const returnUrl = back.headers.get('location') ?? '';
    const verified = await client.verifyCheckoutReturn(returnUrl);
    info(`session ${complete.id}: ${complete.status}, paid by ${complete.payment_id}`);
    info(
      `buyer sent to ${returnUrl.split('?')[0]}?paygrid_… — signature verified (${verified.amount} ${verified.currency})`,
    );
    result.checkout = {
      id: complete.id,
      status: complete.status,
      payment_id: complete.payment_id,
      return_verified: true,
    };

    if (channel.startsWith('wechat_') || channel.startsWith('alipay_')) {
      step(8, 'Profit sharing: a payment made with profit_sharing, 20.00 CNY of it split to a receiver');
      const shared = await client.createPayment({
        out_trade_no: `demo-ps-${Date.now()}`,
        amount: 10000,
        currency: 'CNY',
        channel: channel as never,
        subject: 'Demo: a dinner shared with a partner',
        profit_sharing: true,
        ...(await demo.params(client)),
      });
      const sharedPayer = demo.payerUrl(shared, (process.env.SANDBOX_URL ?? baseUrl).replace(/\/$/, ''));
      if (sharedPayer)
        await fetch(sharedPayer.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...sharedPayer.body, outcome: 'success' }),
        });
      await until('the profit-sharing payment to succeed', async () =>
        (await client.getPayment(shared.id)).status === 'succeeded' ? true : undefined,
      );
      // A sandbox receiver: WeChat wants a merchant id and its registered name, Alipay a 2088… user id.
      const account = channel.startsWith('wechat_') ? '1900000301' : '2088000000000301';
      const created = await client.request<any>('POST', `/v1/payments/${shared.id}/splits`, {
        body: {
          receivers: [
            { type: 'merchant', account, name: 'Demo Partner Co.', amount: 2000, description: 'Partner share' },
          ],
        },
      });
      if (created.status !== 201) throw new Error(`split answered ${created.status}: ${JSON.stringify(created.body)}`);
      const done = await until('the split to succeed', async () => {
        const s = (await client.request<any>('GET', `/v1/splits/${created.body.id}`)).body;
        return s.status === 'succeeded' ? s : undefined;
      });
      info(`split ${done.id}: ${done.status}, ${done.amount} to ${account} (the receiver was registered first)`);
      await until('the split.succeeded webhook', async () =>
        receiver.received.find((w) => w.type === 'split.succeeded'),
      );
      result.split = { id: done.id, status: done.status, amount: done.amount };
    }

    step(9, 'What arrived');
    info(`webhooks: ${receiver.received.map((w) => `${w.type}${w.verified ? ' ✓' : ' ✗'}`).join(', ')}`);
    result.webhooks = receiver.received;
    if (rabbit) {
      await until(
        'the RabbitMQ events',
        async () => (rabbit.seen.some((e) => e.type === 'refund.succeeded') ? true : undefined),
        15_000,
      ).catch(() => undefined);
      info(`RabbitMQ: ${rabbit.seen.map((e) => e.type).join(', ')}`);
      result.rabbitmq = rabbit.seen.map((e) => e.type);
      await rabbit.close();
    }
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);

/** What the payer is asked to do, in a line: the URL to scan or open, not the drawn QR code's data URL. */
function payerStep(action: Payment['next_action']): string {
  if (!action) return 'nothing for the payer to do';
  switch (action.type) {
    case 'qr_code':
      return `the payer scans ${action.qr_code}`;
    case 'redirect':
    case 'three_d_secure':
      return `the payer opens ${action.url}`;
    case 'alipay_app':
      return 'the merchant app hands the signed order string to the Alipay SDK';
    case 'wechat_jsapi':
    case 'wechat_app':
      return `the payer's WeChat is handed the ${action.type} parameters (prepay ${action.params.package ?? action.params.prepayid ?? ''})`;
  }
}
