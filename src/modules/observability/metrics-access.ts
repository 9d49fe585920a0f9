import { createHash, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '../../config/config';

export type MetricsAccess = 'allowed' | 'unauthenticated' | 'hidden';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Who may scrape /metrics. On the API port: nobody when a separate
 * METRICS_PORT serves them, nobody in production unless METRICS_TOKEN is set
 * (they describe traffic and internals), and with a token only its bearer.
 */
export function metricsAccess(
  config: Pick<AppConfig, 'env' | 'metrics'>,
  where: 'api' | 'metrics-port',
  authorization: string | undefined,
): MetricsAccess {
  if (where === 'api' && config.metrics.port !== undefined) return 'hidden';
  const token = config.metrics.token;
  if (!token) return where === 'api' && config.env === 'production' ? 'hidden' : 'allowed';
  const presented = /^Bearer (.+)$/i.exec(authorization ?? '')?.[1] ?? '';
  // Digests are equal length, so the comparison is constant-time whatever was sent.
  return timingSafeEqual(digest(presented), digest(token)) ? 'allowed' : 'unauthenticated';
}
