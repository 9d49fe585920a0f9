import type {
  CallbackAnswer,
  CallbackParseResult,
  CallbackRequest,
  Channel,
  CreatePaymentInput,
  ParsedCallback,
  PaymentProvider,
  ProviderOrderRef,
  ProviderOutcome,
  RefundInput,
  RefundOutcome,
  StatementLine,
} from '../../src/modules/providers/provider.port';

/** The port's calls a module spec scripts and counts. */
export type FakeCall = 'createPayment' | 'query' | 'close' | 'refund' | 'queryRefund' | 'fetchStatement';

type Answer<T> = T | ((args: unknown[]) => T);

/**
 * A scripted provider for module specs: each call takes the next answer a
 * test queued for it (`script`), and every call is recorded (`calls`), so a
 * spec also proves what was never asked. A call nobody scripted answers
 * `unknown` (what a timeout gives the services) and is listed in
 * `unscripted`, which the kit checks empty after each test.
 */
export class FakeProvider implements PaymentProvider {
  readonly name = 'alipay' as const;
  readonly channels: readonly Channel[] = ['alipay_qr'];
  readonly calls: Array<{ method: FakeCall; args: unknown[] }> = [];
  readonly unscripted: FakeCall[] = [];
  private readonly queues = new Map<FakeCall, Answer<unknown>[]>();

  /** Queue answers for a call, in order; a function answer is called with the call's arguments. */
  script(method: 'createPayment' | 'query' | 'close', ...answers: Answer<ProviderOutcome>[]): this;
  script(method: 'refund' | 'queryRefund', ...answers: Answer<RefundOutcome>[]): this;
  script(method: 'fetchStatement', ...answers: Answer<StatementLine[]>[]): this;
  script(method: FakeCall, ...answers: Answer<unknown>[]): this {
    this.queues.set(method, [...(this.queues.get(method) ?? []), ...answers]);
    return this;
  }

  /** The recorded arguments of every call to `method`, oldest first. */
  callsOf(method: FakeCall): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  /** Forget calls and unused answers between tests. */
  reset(): void {
    this.calls.length = 0;
    this.unscripted.length = 0;
    this.queues.clear();
  }

  supportsCurrency(_channel: Channel, currency: string): boolean {
    return currency === 'CNY';
  }

  createPayment(input: CreatePaymentInput): Promise<ProviderOutcome> {
    return this.answer('createPayment', [input], { status: 'unknown' });
  }

  query(channel: Channel, providerOrderId: string, ref?: ProviderOrderRef): Promise<ProviderOutcome> {
    return this.answer('query', [channel, providerOrderId, ref], { status: 'unknown' });
  }

  close(channel: Channel, providerOrderId: string, ref?: ProviderOrderRef): Promise<ProviderOutcome> {
    return this.answer('close', [channel, providerOrderId, ref], { status: 'unknown' });
  }

  refund(input: RefundInput): Promise<RefundOutcome> {
    return this.answer('refund', [input], { status: 'unknown' });
  }

  queryRefund(
    channel: Channel,
    providerOrderId: string,
    providerRefundId: string,
    ref?: ProviderOrderRef,
  ): Promise<RefundOutcome> {
    return this.answer('queryRefund', [channel, providerOrderId, providerRefundId, ref], { status: 'unknown' });
  }

  fetchStatement(day: string): Promise<StatementLine[]> {
    return this.answer('fetchStatement', [day], []);
  }

  /** The body is the parsed callback itself, as JSON with amounts as strings (see `callbackRequest`). */
  async parseCallback(req: CallbackRequest): Promise<CallbackParseResult> {
    const raw = JSON.parse(req.rawBody.toString('utf8')) as Record<string, unknown>;
    const big = (v: unknown) => (v === undefined ? undefined : BigInt(v as string));
    const callback = {
      ...raw,
      amount: big(raw.amount),
      refundedTotal: big(raw.refundedTotal),
      raw,
    } as unknown as ParsedCallback;
    return { ok: true, callback };
  }

  callbackAnswer(success: boolean): CallbackAnswer {
    return { status: success ? 200 : 400, contentType: 'text/plain', body: success ? 'success' : 'fail' };
  }

  private async answer<T>(method: FakeCall, args: unknown[], fallback: T): Promise<T> {
    this.calls.push({ method, args });
    const next = this.queues.get(method)?.shift();
    if (next === undefined) {
      this.unscripted.push(method);
      return fallback;
    }
    return (typeof next === 'function' ? (next as (a: unknown[]) => T)(args) : next) as T;
  }
}

/** A provider callback as the fake parses it: `ParsedCallback` with bigints written as strings. */
export function callbackRequest(cb: Record<string, unknown>): CallbackRequest {
  const body = JSON.stringify(cb, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
  return { headers: {}, rawBody: Buffer.from(body) };
}
