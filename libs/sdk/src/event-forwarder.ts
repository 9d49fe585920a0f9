import { randomBytes } from 'node:crypto';
import type { PaygridClient } from './paygrid-client';
import type { PaygridEvent } from './resources';
import { signWebhook } from './webhooks';

/** One forwarded event and what the local endpoint answered. */
export interface ForwardedEvent {
  event: PaygridEvent;
  /** The local endpoint's HTTP status; null when it could not be reached. */
  status: number | null;
  /** Why it could not be reached (ECONNREFUSED, timeout …). */
  error?: string;
  latencyMs: number;
}

export interface EventForwarderOptions {
  client: PaygridClient;
  /** Local URL that receives each event as a Standard Webhooks POST, e.g. http://localhost:4242/hooks. */
  forwardTo: string;
  /** `whsec_…` that signs the forwarded requests; a fresh one when omitted (read it back from `secret`). */
  webhookSecret?: string;
  /** How often the events API is asked for new events (default 1 s). */
  pollMs?: number;
  /** Per-request timeout of the local endpoint (default 10 s, as Paygrid's own webhooks). */
  timeoutMs?: number;
  onForward?: (f: ForwardedEvent) => void;
  onError?: (err: Error) => void;
}

/** Ids kept to recognise events already forwarded; far more than arrive between two polls. */
const SEEN_LIMIT = 10_000;

/**
 * `stripe listen --forward-to` for Paygrid: follows an app's events through `GET /v1/events` (signed with the
 * app's key, so it works against any remote sandbox) and POSTs each new one to a local URL, signed as Standard
 * Webhooks with a secret of its own. Events that existed before `start()` are not forwarded. At-least-once like
 * real webhooks: an event whose forward failed is not retried (the line shows the failure), as a developer tool.
 */
export class EventForwarder {
  readonly secret: string;
  private readonly seen = new Set<string>();
  private timer?: NodeJS.Timeout;
  private running = false;
  private polling?: Promise<void>;
  forwarded = 0;

  constructor(private readonly opts: EventForwarderOptions) {
    this.secret = opts.webhookSecret ?? `whsec_${randomBytes(24).toString('base64')}`;
  }

  /** Marks the events that already exist as seen, then polls until `stop()`. */
  async start(): Promise<void> {
    const page = await this.opts.client.listEvents({ limit: 100 });
    for (const e of page.data) this.remember(e.id);
    this.running = true;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.polling;
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll()
        .catch((err: Error) => this.opts.onError?.(err))
        .finally(() => this.schedule());
    }, this.opts.pollMs ?? 1_000);
  }

  /** New events, newest first from the API, forwarded oldest first. */
  private async poll(): Promise<void> {
    const fresh: PaygridEvent[] = [];
    let startingAfter: string | undefined;
    for (;;) {
      const page = await this.opts.client.listEvents({ limit: 100, starting_after: startingAfter });
      const unseen = page.data.filter((e) => !this.seen.has(e.id));
      fresh.push(...unseen);
      // A page with a known event reaches what was already forwarded; otherwise older new events may follow.
      if (!page.has_more || unseen.length < page.data.length || page.data.length === 0) break;
      startingAfter = page.data[page.data.length - 1].id;
    }
    for (const event of fresh.reverse()) {
      if (!this.running) return;
      this.remember(event.id);
      this.opts.onForward?.(await this.forward(event));
      this.forwarded += 1;
    }
  }

  private async forward(event: PaygridEvent): Promise<ForwardedEvent> {
    const payload = JSON.stringify(event);
    const headers = signWebhook(this.secret, { id: event.id, timestamp: new Date(), payload });
    const started = Date.now();
    try {
      const res = await fetch(this.opts.forwardTo, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Paygrid-Listen/1', ...headers },
        body: payload,
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 10_000),
      });
      await res.arrayBuffer(); // drain; the answer's body is not shown
      return { event, status: res.status, latencyMs: Date.now() - started };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      const error = e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.message);
      return { event, status: null, error, latencyMs: Date.now() - started };
    }
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value as string);
  }
}
