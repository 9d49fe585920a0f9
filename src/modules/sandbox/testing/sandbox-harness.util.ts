import { AlipayAdapter } from '../../providers/alipay/alipay.adapter';
import { WechatPayAdapter } from '../../providers/wechatpay/wechatpay.adapter';
import { CardAdapter } from '../../providers/card/card.adapter';
import { StripeAdapter } from '../../providers/stripe/stripe.adapter';
import { AlipayConfig, HttpPolicy, WechatPayConfig } from '../../providers/providers.config';
import { loadAlipayCertificates } from '../../providers/alipay/alipay-keys';
import { providersConfigForSandbox } from '../sandbox-providers.config';
import { CallbackParseResult, PaymentProvider } from '../../providers/provider.port';
import { AlipaySimulator } from '../alipay/alipay.simulator';
import { WechatPaySimulator } from '../wechatpay/wechatpay.simulator';
import { CardSimulator } from '../card/card.simulator';
import { StripeSimulator } from '../stripe/stripe.simulator';
import { SimulatorBase } from '../shared/simulator-base';
import { createSimulators, listen, readBody, simulatorHandler } from '../sandbox-http-server';
import { SandboxKeyMaterial, createSandboxKeyMaterial, sandboxConfigForKeys } from '../sandbox-keys.util';

/**
 * Test harness: the three simulators behind a bare node:http server on an
 * ephemeral port, adapters configured exactly as in production sandbox mode
 * (providersConfigForSandbox) but with a short timeout, and a callback
 * receiver that hands each callback to the adapter, like the app's
 * /callbacks/* controller will.
 */

export interface ReceivedCallback {
  provider: string;
  result: CallbackParseResult;
  at: number;
}

export interface Harness {
  keys: SandboxKeyMaterial;
  baseUrl: string;
  alipaySim: AlipaySimulator;
  wechatSim: WechatPaySimulator;
  cardSim: CardSimulator;
  stripeSim: StripeSimulator;
  alipay: AlipayAdapter;
  wechat: WechatPayAdapter;
  card: CardAdapter;
  stripe: StripeAdapter;
  /** Where simulators send callbacks: `${callbackUrl}/<provider>`. */
  callbackUrl: string;
  received: ReceivedCallback[];
  /** Answer the next N callbacks of a provider with failure (to see the provider retry). */
  failNextAcks: Record<string, number>;
  close(): Promise<void>;
}

export async function startHarness(
  opts: {
    http?: Partial<HttpPolicy>;
    compression?: number;
    hangMs?: number;
    keys?: SandboxKeyMaterial;
    /** Overrides of the WeChat Pay adapter's config (e.g. certificate mode). */
    wechat?: Partial<WechatPayConfig>;
    /** Alipay in public-key-certificate mode: the simulator issues the certificates, the adapter loads them. */
    alipayCertificateMode?: boolean;
  } = {},
): Promise<Harness> {
  const keys = opts.keys ?? createSandboxKeyMaterial();
  const sims: SimulatorBase[] = [];
  // The simulators need the server's URL in their config, so the handler looks them up per request.
  const sim = await listen(simulatorHandler(sims));
  const sandbox = sandboxConfigForKeys(keys, sim.url, {
    callbackTimeCompression: opts.compression ?? 10_000,
    hangMs: opts.hangMs ?? 1_500,
  });
  const { alipay: alipaySim, wechatpay: wechatSim, card: cardSim, stripe: stripeSim, bank } = createSimulators(sandbox);
  sims.push(alipaySim, wechatSim, cardSim, stripeSim, bank);

  const http: Partial<HttpPolicy> = {
    timeoutMs: 400,
    maxRetries: 2,
    retryBaseDelayMs: 5,
    breakerVolumeThreshold: 1000,
    ...opts.http,
  };
  const pc = providersConfigForSandbox(keys, sim.url);
  let alipayConfig: AlipayConfig = { ...pc.alipay!, http };
  if (opts.alipayCertificateMode) {
    const files = await alipaySim.enableCertificateMode();
    alipayConfig = {
      ...alipayConfig,
      alipayPublicKeyPem: undefined,
      certificates: loadAlipayCertificates(files, keys.alipay.appPrivateKeyPem),
    };
  }
  const alipay = new AlipayAdapter(alipayConfig);
  const wechat = new WechatPayAdapter({ ...pc.wechatpay!, ...opts.wechat, http });
  const card = new CardAdapter({ ...pc.card!, http });
  const stripe = new StripeAdapter({ ...pc.stripe!, http });
  const adapters: Record<string, PaymentProvider> = { alipay, wechatpay: wechat, card, stripe };

  const received: ReceivedCallback[] = [];
  const failNextAcks: Record<string, number> = {};
  const cb = await listen(async (req, res) => {
    const rawBody = await readBody(req);
    const provider = (req.url ?? '').split('/')[1] ?? '';
    const adapter = adapters[provider];
    if (!adapter) return void ((res.statusCode = 404), res.end());
    const result = await adapter.parseCallback({ headers: req.headers, rawBody });
    received.push({ provider, result, at: Date.now() });
    const fail = (failNextAcks[provider] ?? 0) > 0;
    if (fail) failNextAcks[provider]--;
    const answer = adapter.callbackAnswer(result.ok && !fail);
    res.writeHead(answer.status, { 'content-type': answer.contentType });
    res.end(answer.body);
  });
  // Stripe sends webhooks to registered endpoints rather than a per-request notify URL.
  stripeSim.addWebhookEndpoint(`${cb.url}/stripe`);

  return {
    keys,
    baseUrl: sim.url,
    alipaySim,
    wechatSim,
    cardSim,
    stripeSim,
    alipay,
    wechat,
    card,
    stripe,
    callbackUrl: cb.url,
    received,
    failNextAcks,
    async close() {
      for (const s of sims) s.stop();
      for (const a of [alipay, wechat, card, stripe]) a.shutdown();
      for (const s of [sim.server, cb.server]) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
    },
  };
}

/** Polls until `probe` returns a value (not undefined/false), or fails after the deadline. Never a fixed sleep. */
export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  deadlineMs = 5_000,
): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Acts as the payer: POST {"outcome"} to a next_action URL. */
export async function payerActs(
  url: string,
  outcome: 'success' | 'fail',
  extra: Record<string, unknown> = {},
): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...extra, outcome }),
  });
  return { status: res.status, body: await res.json() };
}
