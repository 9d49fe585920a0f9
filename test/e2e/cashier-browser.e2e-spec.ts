import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium } from 'playwright-core';
import { verifyWebhook } from '@paygrid/sdk';
import { TestApp, startTestApp } from '../utils/test-app';
import { onboardMerchant, OnboardedMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV } from '../utils/payments-kit';
import { waitFor } from '../utils/http';
import { UA, merchantServer } from '../utils/checkout-kit';

/** Debian's chromium (`apt-get install -y chromium`; .ci/run installs it when missing). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of each run, git-ignored: CI keeps them as artefacts. */
const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'cashier');

describe('hosted cashier in a real browser (headless Chromium, e2e)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  let shop: Awaited<ReturnType<typeof merchantServer>>;
  let browser: Browser;
  let n = 0;
  const session = async (extra: Record<string, unknown> = {}) =>
    m.client.createCheckoutSession({
      out_trade_no: `br-${++n}-${Date.now()}`,
      amount: 12800,
      currency: 'CNY',
      subject: 'Single-origin beans, 1 kg',
      return_url: `${shop.url}/paid`,
      ...extra,
    });

  /** A browser context that fails the test on any CSP violation or page error. */
  const contextFor = async (opts: { userAgent: string; javaScriptEnabled?: boolean }) => {
    const ctx: BrowserContext = await browser.newContext({ ...opts, viewport: { width: 420, height: 860 } });
    const problems: string[] = [];
    ctx.on('page', (p) => {
      p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      p.on('console', (msg) => {
        if (msg.type() === 'error' && /Content Security Policy|Refused/.test(msg.text())) problems.push(msg.text());
      });
    });
    return { ctx, page: await ctx.newPage(), problems };
  };

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    shop = await merchantServer();
    t = await startTestApp(FAST_SANDBOX_ENV);
    m = await onboardMerchant(t, { name: 'Acme Coffee', webhookUrl: `${shop.url}/hooks` });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await shop?.close();
  });

  it('pays a checkout session in the sandbox: choice, QR code, "Paid", redirect with a verified query, webhook', async () => {
    const s = await session();
    const { ctx, page, problems } = await contextFor({ userAgent: UA.chrome });
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await page.goto(s.url);
    await expect(page.locator('h1').innerText()).resolves.toMatch(/128\.00\s+CNY/);
    await expect(page.locator('.merchant').innerText()).resolves.toBe('Acme Coffee');
    await expect(page.getByRole('img', { name: /One code for every wallet/ }).count()).resolves.toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, '1-choice.png'), fullPage: true });

    await page.getByRole('button', { name: 'Alipay (scan a code)' }).click();
    await page.getByRole('heading', { name: 'Scan with Alipay' }).waitFor();
    await expect(page.getByRole('status').innerText()).resolves.toBe('Waiting for payment…');
    await page.screenshot({ path: join(ARTIFACTS, '2-alipay-qr.png'), fullPage: true });

    await page.getByRole('button', { name: 'Pay (sandbox)' }).click();
    // The callback arrives asynchronously; the page's live stream (SSE) turns the status into "Paid" ...
    await page.getByRole('status').filter({ hasText: 'Paid' }).waitFor({ timeout: 20_000 });
    await page.screenshot({ path: join(ARTIFACTS, '3-paid.png'), fullPage: true });
    // ... pushed by the stream, which the CSP (connect-src 'self') allows; the page did not poll.
    expect(asked).toContain(`/checkout/${s.id}/events`);
    expect(asked).not.toContain(`/checkout/${s.id}/status`);
    // ... and then sends the buyer to return_url.
    await page.waitForURL((u) => u.toString().startsWith(`${shop.url}/paid`), { timeout: 20_000 });
    await expect(page.locator('h1').innerText()).resolves.toBe('Thank you for your order');
    await page.screenshot({ path: join(ARTIFACTS, '4-returned.png') });

    const back = await m.client.verifyCheckoutReturn(page.url());
    expect(back).toMatchObject({
      checkout_session_id: s.id,
      out_trade_no: s.out_trade_no,
      amount: 12800,
      currency: 'CNY',
    });
    const paid = await m.client.getCheckoutSession(s.id);
    expect(paid).toMatchObject({ status: 'complete', payment_id: back.payment_id });
    const hook = await waitFor(
      async () => shop.webhooks.find((w) => w.body.includes(back.payment_id) && w.body.includes('"payment.succeeded"')),
      { what: "the merchant's payment.succeeded webhook" },
    );
    expect((verifyWebhook(m.webhookSecret!, hook.body, hook.headers) as any).data.object.metadata).toMatchObject({
      checkout_session_id: s.id,
    });
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('falls back to polling when the live stream is refused (503), and still reaches "Paid"', async () => {
    const s = await session();
    const { ctx, page, problems } = await contextFor({ userAgent: UA.chrome });
    // What a process at CHECKOUT_SSE_MAX_STREAMS answers.
    await page.route('**/events', (route) =>
      route.fulfill({ status: 503, headers: { 'retry-after': '5' }, contentType: 'application/json', body: '{}' }),
    );
    const asked: string[] = [];
    page.on('request', (r) => asked.push(new URL(r.url()).pathname));
    await page.goto(s.url);
    await page.getByRole('button', { name: 'Alipay (scan a code)' }).click();
    await page.getByRole('heading', { name: 'Scan with Alipay' }).waitFor();
    // The stream was refused, so the page polls: wait for a poll before paying, since the sandbox's pay button
    // reloads the page, which then says "Paid" by itself.
    await page.waitForRequest((r) => new URL(r.url()).pathname === `/checkout/${s.id}/status`, { timeout: 15_000 });
    expect(asked).toContain(`/checkout/${s.id}/events`);
    await page.getByRole('button', { name: 'Pay (sandbox)' }).click();
    await page.getByRole('status').filter({ hasText: 'Paid' }).waitFor({ timeout: 20_000 });
    await page.waitForURL((u) => u.toString().startsWith(`${shop.url}/paid`), { timeout: 20_000 });
    // The refused stream shows in the console as a failed resource load, not as a CSP violation or page error.
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it('works without JavaScript: forms and a self-refreshing page reach "Paid" and the return link', async () => {
    const s = await session();
    const { ctx, page, problems } = await contextFor({ userAgent: UA.chrome, javaScriptEnabled: false });
    await page.goto(s.url);
    await page.getByRole('button', { name: 'WeChat Pay (scan a code)' }).click();
    await page.getByRole('heading', { name: 'Scan with WeChat' }).waitFor();
    await page.getByRole('button', { name: 'Pay (sandbox)' }).click();
    await page.getByRole('status').filter({ hasText: 'Paid' }).waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'Return to Acme Coffee' }).click();
    await page.waitForURL((u) => u.toString().startsWith(`${shop.url}/paid`));
    await expect(m.client.verifyCheckoutReturn(page.url())).resolves.toMatchObject({ checkout_session_id: s.id });
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it("WeChat's in-app browser runs the OAuth step and lands on a JSAPI payment", async () => {
    const s = await session();
    const { ctx, page, problems } = await contextFor({ userAgent: UA.wechat });
    await page.goto(s.url);
    await page.getByRole('button', { name: 'Pay with WeChat' }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/checkout/${s.id}`);
    await page.screenshot({ path: join(ARTIFACTS, '5-wechat-jsapi.png'), fullPage: true });
    const payment = await m.client.getPayment((await m.client.getCheckoutSession(s.id)).payment_id!);
    expect(payment).toMatchObject({ channel: 'wechat_jsapi', payer: { openid: expect.any(String) } });
    expect(problems).toEqual([]);
    await ctx.close();
  });

  it("Alipay's in-app browser lands on Alipay's own cashier", async () => {
    const s = await session();
    const { ctx, page } = await contextFor({ userAgent: UA.alipay });
    await page.goto(s.url);
    const landed = new URL(page.url());
    expect(landed.pathname).toBe('/sandbox/alipay/gateway.do');
    expect(landed.searchParams.get('method')).toMatch(/^alipay\.trade\.(wap|page)\.pay$/);
    await page.screenshot({ path: join(ARTIFACTS, '6-alipay-in-app.png'), fullPage: true });
    const payment = await m.client.getPayment((await m.client.getCheckoutSession(s.id)).payment_id!);
    expect(payment.channel).toMatch(/^alipay_(wap|page)$/);
    await ctx.close();
  });
});
