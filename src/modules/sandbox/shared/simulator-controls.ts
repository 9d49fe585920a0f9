/**
 * Switches a test (or a person, via POST /sandbox/<provider>/_control) flips
 * to make a simulator misbehave the way real providers do.
 */
export interface SimulatorSwitches {
  /** Refuse the next N creates with a definite business error. */
  failNextCreate: number;
  /** Refuse the next N refunds with a definite business error. */
  failNextRefund: number;
  /** Process the next N API calls, then hold the answer for hangMs (the caller times out; the outcome is unknown to it). */
  timeoutNext: number;
  /** Answer the next N API calls with an unsigned HTTP 500 without processing them. */
  serverErrorNext: number;
  /** Delay every API answer by this much (below the adapter timeout: slow but fine). */
  slowMs: number;
  /** Send every callback twice (same notification id). */
  duplicateCallback: boolean;
  /** Delay the first attempt of every callback by this many ms (not compressed). */
  callbackDelayMs: number;
  /** Never send callbacks (the platform must find out by querying). */
  neverCallback: boolean;
  /** Refunds answer PENDING/PROCESSING and complete later with a callback. */
  asyncRefund: boolean;
  /** How long after the request an async refund completes. */
  asyncRefundDelayMs: number;
  /** Serve today's bill too (the real providers only serve a day's bill from T+1, 北京时间). */
  billsSameDay: boolean;
  /** Send injected refusals (fail_next_create / fail_next_refund) unsigned, as gateways answer some errors. */
  unsignedFailures: boolean;
  /** WeChat Pay: the next N refunds end ABNORMAL (the payer's account cannot receive the money). */
  abnormalNextRefund: number;
}

export const DEFAULT_SWITCHES: SimulatorSwitches = {
  failNextCreate: 0,
  failNextRefund: 0,
  timeoutNext: 0,
  serverErrorNext: 0,
  slowMs: 0,
  duplicateCallback: false,
  callbackDelayMs: 0,
  neverCallback: false,
  asyncRefund: false,
  asyncRefundDelayMs: 50,
  billsSameDay: false,
  unsignedFailures: false,
  abnormalNextRefund: 0,
};

const SNAKE: Record<string, keyof SimulatorSwitches> = {
  fail_next_create: 'failNextCreate',
  fail_next_refund: 'failNextRefund',
  timeout_next: 'timeoutNext',
  server_error_next: 'serverErrorNext',
  slow_ms: 'slowMs',
  duplicate_callback: 'duplicateCallback',
  callback_delay_ms: 'callbackDelayMs',
  never_callback: 'neverCallback',
  async_refund: 'asyncRefund',
  async_refund_delay_ms: 'asyncRefundDelayMs',
  bills_same_day: 'billsSameDay',
  unsigned_failures: 'unsignedFailures',
  abnormal_next_refund: 'abnormalNextRefund',
};

type Counter = 'failNextCreate' | 'failNextRefund' | 'timeoutNext' | 'serverErrorNext' | 'abnormalNextRefund';

export class SimulatorControls {
  private state: SimulatorSwitches;

  /** `defaults` are a provider's own normal behaviour (WeChat answers refunds PROCESSING). */
  constructor(private readonly defaults: SimulatorSwitches = DEFAULT_SWITCHES) {
    this.state = { ...defaults };
  }

  get switches(): Readonly<SimulatorSwitches> {
    return this.state;
  }

  set(patch: Partial<SimulatorSwitches>): void {
    this.state = { ...this.state, ...patch };
  }

  reset(): void {
    this.state = { ...this.defaults };
  }

  /** Takes one from a counter; true when the switch fired. */
  consume(counter: Counter): boolean {
    if (this.state[counter] <= 0) return false;
    this.state = { ...this.state, [counter]: this.state[counter] - 1 };
    return true;
  }

  /**
   * The admin endpoint's JSON: snake_case names, booleans accepted for the
   * counters (true = 1), `reset: true` first restores defaults.
   * Returns an error message for unknown or mistyped fields.
   */
  applyJson(body: Record<string, unknown>): string | undefined {
    const patch: Partial<SimulatorSwitches> = {};
    for (const [k, v] of Object.entries(body)) {
      if (k === 'reset') continue;
      const key = SNAKE[k];
      if (!key) return `unknown switch ${k}`;
      const isBool = typeof DEFAULT_SWITCHES[key] === 'boolean';
      if (isBool && typeof v !== 'boolean') return `${k} must be a boolean`;
      if (!isBool && !(typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v) && v >= 0))) {
        return `${k} must be a non-negative integer`;
      }
      (patch as Record<string, unknown>)[key] = !isBool && typeof v === 'boolean' ? Number(v) : v;
    }
    if (body.reset === true) this.reset();
    this.set(patch);
    return undefined;
  }
}
