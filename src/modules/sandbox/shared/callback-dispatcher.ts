import { SimulatorControls } from './simulator-controls';

/** Real retry schedules (intervals between attempts, in ms), from PROVIDERS.md. */
const m = 60_000;
const h = 60 * m;
export const ALIPAY_RETRY_SCHEDULE_MS = [4 * m, 10 * m, 10 * m, h, 2 * h, 6 * h, 15 * h];
export const WECHATPAY_RETRY_SCHEDULE_MS = [
  15_000,
  15_000,
  30_000,
  3 * m,
  10 * m,
  20 * m,
  30 * m,
  30 * m,
  30 * m,
  60 * m,
  3 * h,
  3 * h,
  3 * h,
  6 * h,
  6 * h,
];

export interface OutgoingCallback {
  headers: Record<string, string>;
  body: string;
}

export interface DeliveryAttempt {
  at: Date;
  status?: number;
  acknowledged: boolean;
  error?: string;
}

export interface CallbackDelivery {
  notificationId: string;
  url: string;
  state: 'scheduled' | 'delivered' | 'gave_up' | 'dropped';
  attempts: DeliveryAttempt[];
}

export interface DispatcherOptions {
  schedule: readonly number[];
  /** Real intervals are divided by this (1 = real time). */
  compression: number;
  /** What the provider counts as "received" (Alipay: body exactly "success"; WeChat: 200/204). */
  isAcknowledged: (status: number, body: string) => boolean;
  /** Per-attempt HTTP timeout (WeChat gives the merchant 5 s). */
  attemptTimeoutMs?: number;
}

/** Builds one attempt's callback; async where it signs with RSA in the threadpool. */
export type CallbackBuilder = () => Promise<OutgoingCallback> | OutgoingCallback;

/**
 * Sends a simulator's signed callbacks to notify_url and retries them on the
 * provider's schedule. `build` is called per attempt so each attempt gets a
 * fresh timestamp and signature while the notification id stays the same.
 */
export class CallbackDispatcher {
  private readonly log: CallbackDelivery[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly options: DispatcherOptions,
    private readonly controls: SimulatorControls,
  ) {}

  deliveries(): readonly CallbackDelivery[] {
    return this.log;
  }

  send(notificationId: string, url: string, build: CallbackBuilder): CallbackDelivery {
    const s = this.controls.switches;
    const delivery: CallbackDelivery = { notificationId, url, state: 'scheduled', attempts: [] };
    this.log.push(delivery);
    if (s.neverCallback) {
      delivery.state = 'dropped';
      return delivery;
    }
    const duplicate = s.duplicateCallback;
    this.later(s.callbackDelayMs, () => this.attempt(delivery, build, 0, duplicate));
    return delivery;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private later(ms: number, fn: () => Promise<void>): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      void fn();
    }, ms);
    this.timers.add(t);
  }

  private async attempt(d: CallbackDelivery, build: CallbackBuilder, retry: number, duplicate: boolean): Promise<void> {
    if (this.stopped) return;
    const ack = await this.post(d, await build());
    if (ack) {
      d.state = 'delivered';
      // A duplicate is the same notification once more, as providers do after a lost ack.
      if (duplicate) this.later(0, async () => void (await this.post(d, await build())));
      return;
    }
    if (retry >= this.options.schedule.length) {
      d.state = 'gave_up';
      return;
    }
    const wait = Math.max(1, Math.round(this.options.schedule[retry] / this.options.compression));
    this.later(wait, () => this.attempt(d, build, retry + 1, duplicate));
  }

  private async post(d: CallbackDelivery, cb: OutgoingCallback): Promise<boolean> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.attemptTimeoutMs ?? 5_000);
    const attempt: DeliveryAttempt = { at: new Date(), acknowledged: false };
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: cb.headers,
        body: cb.body,
        signal: controller.signal,
        redirect: 'manual',
      });
      const text = await res.text();
      attempt.status = res.status;
      attempt.acknowledged = this.options.isAcknowledged(res.status, text);
    } catch (err) {
      attempt.error = (err as Error).message;
    } finally {
      clearTimeout(timer);
    }
    d.attempts.push(attempt);
    return attempt.acknowledged;
  }
}
