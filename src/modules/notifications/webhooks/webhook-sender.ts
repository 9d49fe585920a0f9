import { Inject, Injectable } from '@nestjs/common';
import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { APP_CONFIG, AppConfig } from '../../../config/config';
import { Resolver, SsrfRefusedError, pinnedLookup, resolveDestination } from './ssrf-guard.util';

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  latencyMs: number;
}

/**
 * One signed webhook POST. Standard Webhooks headers (`webhook-id` = event
 * id on every attempt); one `v1,…` signature per live secret, so receivers
 * holding the old or the new secret both verify during a rotation. The
 * destination passes the SSRF guard and the socket connects to the checked
 * address; redirects are not followed (a 3xx is a failure); the whole
 * exchange, body included, must finish within WEBHOOK_TIMEOUT_MS.
 */
@Injectable()
export class WebhookSender {
  /** Tests swap in a fake DNS to exercise names that resolve internally. */
  resolver?: Resolver;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  static sign(secrets: string[], eventId: string, timestamp: Date, body: string): string {
    return secrets.map((s) => new Webhook(s).sign(eventId, timestamp, body)).join(' ');
  }

  async send(
    rawUrl: string,
    eventId: string,
    body: string,
    secrets: string[],
    signal?: AbortSignal,
  ): Promise<SendResult> {
    const started = Date.now();
    const done = (ok: boolean, statusCode: number | null, error: string | null): SendResult => ({
      ok,
      statusCode,
      error,
      latencyMs: Date.now() - started,
    });
    let dest: Awaited<ReturnType<typeof resolveDestination>>;
    try {
      dest = await resolveDestination(rawUrl, {
        allowLoopback: this.config.webhookAllowLoopback,
        resolver: this.resolver,
      });
    } catch (err) {
      if (err instanceof SsrfRefusedError) return done(false, null, `destination refused: ${err.message}`);
      throw err;
    }
    if (secrets.length === 0) return done(false, null, 'the app has no webhook secret');
    const timestamp = new Date();
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': 'Paygrid-Webhooks/1',
      'webhook-id': eventId,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': WebhookSender.sign(secrets, eventId, timestamp, body),
    };
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (r: SendResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(r);
      };
      const client = dest.url.protocol === 'https:' ? https : http;
      const req = client.request(
        dest.url,
        { method: 'POST', headers, agent: false, lookup: pinnedLookup(dest.address, dest.family) as never },
        (res) => {
          const status = res.statusCode ?? 0;
          // Drain (and discard) the body: it is never stored or echoed (S7).
          res.on('data', () => undefined);
          res.on('end', () =>
            finish(
              done(status >= 200 && status < 300, status, status >= 200 && status < 300 ? null : `HTTP ${status}`),
            ),
          );
          res.on('error', (err) => finish(done(false, status, err.message)));
        },
      );
      const timer = setTimeout(() => {
        finish(done(false, null, `timeout after ${this.config.webhooks.timeoutMs} ms`));
        req.destroy();
      }, this.config.webhooks.timeoutMs);
      timer.unref();
      const onAbort = () => {
        finish(done(false, null, 'aborted: shutting down'));
        req.destroy();
      };
      signal?.addEventListener('abort', onAbort);
      req.on('error', (err: NodeJS.ErrnoException) => finish(done(false, null, err.code ?? err.message)));
      req.end(body);
    });
  }
}
