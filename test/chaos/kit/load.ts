import { randomBytes } from 'node:crypto';
import type { PaygridClient } from '@paygrid/sdk';
import { pay } from '../../utils/payments-kit';

/** One create-and-pay of the load: retried with its own Idempotency-Key and body until 201, then paid. */
export interface Order {
  i: number;
  key: string;
  outTradeNo: string;
  startedAt: number;
  /** When the 201 came; undefined while unanswered. */
  acceptedAt?: number;
  paymentId?: string;
  paidAt?: number;
  /** Every answer of the create: a status, or `none` for no answer (reset, timeout). */
  answers: Array<number | 'none'>;
}

export interface LoadOptions {
  client: PaygridClient;
  /** Where the sandbox payer pages are (the app that made the payment's next_action). */
  baseUrl: string;
  ratePerSecond: number;
  /** Pay each accepted payment as its payer would (sandbox page), retrying until the page says ok. */
  pay?: boolean;
  channel?: string;
  label?: string;
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A steady create-and-pay load, as merchants' servers produce it: one create every 1/rate s, each retried on no
 * answer, 503 (after its Retry-After, capped) and 409 `idempotency_request_in_progress` with the same
 * Idempotency-Key and body, as docs/api.md tells clients to. Any other 5xx, a 503 without Retry-After or a 4xx is
 * a violation, recorded with what was sent.
 */
export class CreatePayLoad {
  readonly orders: Order[] = [];
  readonly violations: string[] = [];
  /** Count of every create answer by status (`none`: no answer). */
  readonly answers = new Map<string, number>();
  private issuing = false;
  private readonly running: Array<Promise<void>> = [];
  private ticker?: Promise<void>;
  private readonly run = randomBytes(3).toString('hex');

  constructor(private readonly opts: LoadOptions) {}

  start(): void {
    this.issuing = true;
    const interval = 1000 / this.opts.ratePerSecond;
    this.ticker = (async () => {
      const t0 = Date.now();
      for (let i = 0; this.issuing; i++) {
        this.running.push(this.order(i));
        const next = t0 + (i + 1) * interval;
        await delay(Math.max(0, next - Date.now()));
      }
    })();
  }

  /** Stops issuing new orders and waits until every issued one is accepted (and paid), or the deadline passes. */
  async finish(timeoutMs: number): Promise<void> {
    this.issuing = false;
    await this.ticker;
    const deadline = Date.now() + timeoutMs;
    this.deadline = deadline;
    await Promise.all(this.running);
  }

  private deadline = Number.POSITIVE_INFINITY;

  accepted(): Order[] {
    return this.orders.filter((o) => o.acceptedAt !== undefined);
  }

  private count(key: string): void {
    this.answers.set(key, (this.answers.get(key) ?? 0) + 1);
  }

  private async order(i: number): Promise<void> {
    const order: Order = {
      i,
      key: `chaos-${this.run}-${i}`,
      outTradeNo: `chaos${this.run}${i}`,
      startedAt: Date.now(),
      answers: [],
    };
    this.orders.push(order);
    const body = {
      out_trade_no: order.outTradeNo,
      amount: 100 + (i % 900),
      currency: 'CNY',
      channel: this.opts.channel ?? 'alipay_qr',
      subject: `chaos ${this.opts.label ?? ''} ${i}`,
    };
    let payment: any;
    for (let attempt = 0; Date.now() < this.deadline; attempt++) {
      let res;
      try {
        res = await this.opts.client.request<any>('POST', '/v1/payments', {
          body,
          idempotencyKey: order.key,
          maxRetries: 0,
        });
      } catch {
        order.answers.push('none');
        this.count('none');
        await delay(Math.min(1000, 100 * 2 ** Math.min(attempt, 4)));
        continue;
      }
      order.answers.push(res.status);
      this.count(String(res.status));
      if (res.status === 201) {
        order.acceptedAt = Date.now();
        order.paymentId = res.body.id;
        payment = res.body;
        break;
      }
      const retryAfter = Number(res.headers.get('retry-after'));
      if (res.status >= 500) {
        if (res.status !== 503 || !(retryAfter > 0))
          this.violations.push(
            `create ${order.key} answered ${res.status} (Retry-After ${res.headers.get('retry-after')}): ${res.text.slice(0, 160)}`,
          );
        // Retry-After is in whole seconds; the load honours it up to a cap, as the SDK does (maxRetryDelayMs).
        await delay(Math.min(1000, (retryAfter || 1) * 1000));
        continue;
      }
      if (res.status === 409 && res.body?.error?.code === 'idempotency_request_in_progress') {
        await delay(Math.min(1000, (retryAfter || 0.25) * 1000));
        continue;
      }
      this.violations.push(`create ${order.key} answered ${res.status}: ${res.text.slice(0, 160)}`);
      return;
    }
    if (!payment || !this.opts.pay) return;
    for (let attempt = 0; Date.now() < this.deadline; attempt++) {
      // A pending payment without next_action (its create's answer was lost) is read again until it has one.
      if (!payment.next_action) {
        const seen = await this.opts.client.request<any>('GET', `/v1/payments/${payment.id}`).catch(() => undefined);
        if (seen?.status === 200) payment = seen.body;
      }
      const status = payment.next_action ? await pay(this.opts.baseUrl, payment).catch(() => 0) : 0;
      this.count(`pay ${status}`);
      if (status > 0 && status < 300) {
        order.paidAt = Date.now();
        return;
      }
      if (status >= 500 && status !== 503) this.violations.push(`the payer page for ${payment.id} answered ${status}`);
      await delay(Math.min(1000, 100 * 2 ** Math.min(attempt, 4)));
    }
  }
}
