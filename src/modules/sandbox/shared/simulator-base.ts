import { CallbackDispatcher } from './callback-dispatcher';
import { DEFAULT_SWITCHES, SimulatorControls, SimulatorSwitches } from './simulator-controls';
import { SimRequest, SimResponse, Sleeper, json, notFound } from './simulator-http';

/** What a simulator route is, so the base can apply the switches uniformly. */
export type SimOperation = 'create' | 'refund' | 'api' | 'payer' | 'download';

export interface SimRoute {
  op: SimOperation;
  run: () => Promise<SimResponse> | SimResponse;
}

/**
 * Shared behaviour of the three simulators: the `_control` admin endpoint,
 * and the switches that apply to every API call (server error, definite
 * failure, slow answer, hang past the adapter's timeout).
 */
export abstract class SimulatorBase {
  readonly controls: SimulatorControls;
  protected readonly sleeper = new Sleeper();
  protected readonly timers = new Set<NodeJS.Timeout>();
  protected abstract readonly dispatcher: CallbackDispatcher;

  protected constructor(
    /** Mount path, e.g. /sandbox/alipay. */
    readonly mount: string,
    protected readonly hangMs: number,
    defaults?: Partial<SimulatorSwitches>,
  ) {
    this.controls = new SimulatorControls({ ...DEFAULT_SWITCHES, ...defaults });
  }

  /** Programmatic switches (the same as POST <mount>/_control). */
  setSwitches(patch: Partial<SimulatorSwitches>): void {
    this.controls.set(patch);
  }

  deliveries() {
    return this.dispatcher.deliveries();
  }

  /** Clears timers and releases held answers (module shutdown, test teardown). */
  stop(): void {
    this.dispatcher.stop();
    this.sleeper.wakeAll();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  async handle(req: SimRequest): Promise<SimResponse> {
    const url = new URL(req.url, 'http://sandbox.local');
    const at = url.pathname.indexOf(this.mount);
    const path = at >= 0 ? url.pathname.slice(at + this.mount.length) || '/' : url.pathname;
    if (path === '/_control') return this.control(req);
    const route = this.route(req, path, url.searchParams);
    if (!route) return notFound();
    if (route.op === 'payer' || route.op === 'download') return route.run();
    if (this.controls.consume('serverErrorNext')) {
      return { status: 500, headers: { 'content-type': 'text/plain' }, body: 'sandbox: injected server error' };
    }
    let res: SimResponse | undefined;
    if (route.op === 'create' && this.controls.consume('failNextCreate'))
      res = await this.injectedFailure(req, 'create', url.searchParams);
    if (route.op === 'refund' && this.controls.consume('failNextRefund'))
      res = await this.injectedFailure(req, 'refund', url.searchParams);
    res ??= await route.run();
    if (this.controls.consume('timeoutNext')) await this.sleeper.sleep(this.hangMs);
    else if (this.controls.switches.slowMs > 0) await this.sleeper.sleep(this.controls.switches.slowMs);
    return res;
  }

  protected abstract route(req: SimRequest, path: string, query: URLSearchParams): SimRoute | undefined;

  /** A signed, definite refusal in the provider's own format. */
  protected abstract injectedFailure(
    req: SimRequest,
    op: 'create' | 'refund',
    query: URLSearchParams,
  ): Promise<SimResponse> | SimResponse;

  protected later(ms: number, fn: () => void): void {
    const t = setTimeout(() => (this.timers.delete(t), fn()), ms);
    this.timers.add(t);
  }

  private control(req: SimRequest): SimResponse {
    if (req.method === 'GET') return json(200, this.controls.switches);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.rawBody.toString('utf8') || '{}');
    } catch {
      return json(400, { error: 'body must be JSON' });
    }
    const err = this.controls.applyJson(body);
    return err ? json(400, { error: err }) : json(200, this.controls.switches);
  }
}
