import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { AppConfig } from './config/config';
import { DEMO_CREDENTIALS_FILE, DemoCredentials, demoCredentialLines } from './modules/demo/demo-credentials';

/**
 * The one block that ends a boot: where everything is, what runs, and (in
 * sandbox mode, on the first start only) the demo credentials. Secrets are
 * shown only when the sandbox seed just created them; never in live mode.
 */
export function bootBanner(config: AppConfig, opts: { credentials?: DemoCredentials } = {}): string {
  const base = config.publicBaseUrl;
  const processes = `${config.apiProcesses} API process${config.apiProcesses === 1 ? '' : 'es'}`;
  const role =
    config.role === 'all' ? 'role all (API + workers)' : `role ${config.role} (workers: npm run start:worker)`;
  const metrics =
    config.metrics.port !== undefined
      ? `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.metrics.port}/metrics`
      : config.env === 'production' && !config.metrics.token
        ? 'closed on the API port in production (set METRICS_PORT or METRICS_TOKEN)'
        : `${base}/metrics`;
  const lines = [
    '',
    `Paygrid API listening on ${base} — ${config.mode} mode, ${role}, ${processes}`,
    `  API          ${base}/v1   (contract: docs/api.md, openapi.json)`,
    `  Swagger UI   ${base}/docs`,
    ...(config.mode === 'sandbox'
      ? [`  Sandbox      ${config.sandbox.url ?? base}/sandbox/…   (payer pages: a payment's next_action URL)`]
      : []),
    `  Metrics      ${metrics}${config.metrics.token ? '   (Authorization: Bearer METRICS_TOKEN)' : ''}`,
    `  Health       ${base}/health/ready`,
  ];
  if (config.mode === 'sandbox') {
    const file = resolve(config.dataDir, DEMO_CREDENTIALS_FILE);
    if (opts.credentials) lines.push(...demoCredentialLines(opts.credentials, file).map((l) => `  ${l}`));
    else if (existsSync(file)) lines.push(`  Credentials  ${file}   (demo merchant, app, HMAC key; npm run demo)`);
  }
  lines.push('Press Ctrl-C to stop.', '');
  return lines.join('\n');
}
