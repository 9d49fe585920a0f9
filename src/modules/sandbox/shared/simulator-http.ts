/** A framework-neutral HTTP exchange, so simulators run behind Nest or a bare node:http server. */
export interface SimRequest {
  method: string;
  /** Path and query exactly as received (what a signer signed), e.g. /sandbox/wechatpay/v3/...?mchid=1 */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
}

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  /** Bytes for binary answers (bill files), text otherwise. */
  body: string | Buffer;
}

export function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

export const json = (status: number, value: unknown, headers: Record<string, string> = {}): SimResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(value),
});

export const html = (body: string): SimResponse => ({
  status: 200,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body,
});

export const notFound = (): SimResponse => json(404, { error: 'not_found' });

/** Parses the payer's `{"outcome":"success"|"fail"}`; undefined when it is anything else. */
export function payerOutcome(req: SimRequest): 'success' | 'fail' | undefined {
  try {
    const o = JSON.parse(req.rawBody.toString('utf8')).outcome;
    return o === 'success' || o === 'fail' ? o : undefined;
  } catch {
    return undefined;
  }
}

/** Cancellable sleep: a stopped simulator releases every held answer at once. */
export class Sleeper {
  private readonly pending = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = { timer: setTimeout(() => (this.pending.delete(entry), resolve()), ms), resolve };
      this.pending.add(entry);
    });
  }

  wakeAll(): void {
    for (const e of this.pending) {
      clearTimeout(e.timer);
      e.resolve();
    }
    this.pending.clear();
  }
}
