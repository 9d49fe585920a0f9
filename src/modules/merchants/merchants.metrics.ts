import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { Metrics } from '../observability/metrics';
import { ALIPAY_REFRESH_WARN_BEFORE_MS } from './alipay-authorisation-warning.util';
import { MerchantsRepository } from './merchants.repository';

/** The latest app's repository (a module-level slot: the gauge is registered once per registry while test apps come and go). */
let attentionSource: MerchantsRepository | undefined;

/**
 * Merchant-side metrics: Alipay authorisations that need the merchant again
 * (deploy/prometheus/alerts.yml PaygridAlipayAuthorisation*). The gauge is
 * read from the table at scrape time, so every process answers the same
 * number (cluster aggregation: max) whichever process refused or noticed.
 */
@Injectable()
export class MerchantsMetrics {
  readonly refreshRefusals: Counter;

  constructor(metrics: Metrics, repo: MerchantsRepository) {
    attentionSource = repo;
    const registers = [metrics.registry];
    this.refreshRefusals =
      metrics.existing<Counter>('paygrid_alipay_token_refresh_refusals_total') ??
      new Counter({
        name: 'paygrid_alipay_token_refresh_refusals_total',
        help: "Definite refusals by Alipay to refresh a merchant's app_auth_token (the merchant must authorise again)",
        registers,
      });
    if (!metrics.existing('paygrid_alipay_authorisations_attention'))
      new Gauge({
        name: 'paygrid_alipay_authorisations_attention',
        help: 'Authorised Alipay merchants that must authorise the app again, by reason: refresh_refused (Alipay refused the last refresh), refresh_token_expiring (the refresh token expires within 14 days)',
        labelNames: ['reason'],
        aggregator: 'max',
        registers,
        async collect() {
          const counts = await attentionSource?.alipayAttention(ALIPAY_REFRESH_WARN_BEFORE_MS).catch(() => undefined);
          if (!counts) return;
          this.set({ reason: 'refresh_refused' }, counts.refused);
          this.set({ reason: 'refresh_token_expiring' }, counts.expiring);
        },
      });
  }
}
