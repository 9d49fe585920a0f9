import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { AlipaySimulator } from './alipay/alipay.simulator';
import { BankSimulator } from './bank/bank.simulator';
import { bankSandboxKeys } from './bank/bank-sandbox-keys.util';
import { CardSimulator } from './card/card.simulator';
import type { SandboxConfig } from './sandbox.config';
import { SimulatorBase } from './shared/simulator-base';
import { WechatPaySimulator } from './wechatpay/wechatpay.simulator';
import { StripeSimulator } from './stripe/stripe.simulator';

/**
 * The simulators behind a bare node:http server: what `src/sandbox.ts` runs
 * as its own process (SANDBOX_URL), and what the test harness runs. No Nest,
 * no access log: a provider's servers cost the platform nothing, and in the
 * benchmark the stand-in should cost as little as it can.
 */

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  port = 0,
  host = '127.0.0.1',
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => void handler(req, res).catch(() => ((res.statusCode = 500), res.end())));
  // Adapters keep connections alive; a closed socket under load costs a handshake per call.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { server, url: `http://${host}:${(server.address() as AddressInfo).port}` };
}

/** Hands each request to the simulator whose mount path (/sandbox/alipay, …) it starts with. */
export function simulatorHandler(sims: SimulatorBase[]) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? '/';
    // The official stripe client speaks to the root (/v1/...): where nothing else is mounted there, Stripe's simulator is.
    const target =
      sims.find((s) => url.startsWith(s.mount)) ??
      (url.startsWith('/v1/') ? sims.find((s) => s instanceof StripeSimulator) : undefined);
    if (!target) return void ((res.statusCode = 404), res.end());
    const rawBody = await readBody(req);
    const out = await target.handle({ method: req.method ?? 'GET', url, headers: req.headers, rawBody });
    res.writeHead(out.status, out.headers);
    res.end(out.body);
  };
}

export interface Simulators {
  alipay: AlipaySimulator;
  wechatpay: WechatPaySimulator;
  card: CardSimulator;
  stripe: StripeSimulator;
  bank: BankSimulator;
}

export function createSimulators(config: SandboxConfig): Simulators {
  return {
    alipay: new AlipaySimulator(config),
    wechatpay: new WechatPaySimulator(config),
    card: new CardSimulator(config),
    stripe: new StripeSimulator(config),
    bank: new BankSimulator({ ...bankSandboxKeys(config.card), hangMs: config.hangMs }),
  };
}

export interface SimulatorServer {
  url: string;
  simulators: Simulators;
  close(): Promise<void>;
}

/** All the simulators on one port; `close` stops their callback retries and held answers too. */
export async function serveSimulators(config: SandboxConfig, port: number, host: string): Promise<SimulatorServer> {
  const simulators = createSimulators(config);
  const all = Object.values(simulators) as SimulatorBase[];
  const { server, url } = await listen(simulatorHandler(all), port, host);
  return {
    url,
    simulators,
    async close() {
      for (const s of all) s.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
