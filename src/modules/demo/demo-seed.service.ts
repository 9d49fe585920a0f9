import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { AdminTokensService } from '../admin/admin-tokens.service';
import type { Actor } from '../admin/audit-log.service';
import { MerchantsService } from '../merchants/merchants.service';
import { CHANNELS } from '../providers/provider.port';

export const DEMO_CREDENTIALS_FILE = 'demo-credentials.json';
const SEED_LOCK = 0x7061_7967; // "payg": one seeder across processes sharing the database

/**
 * The newcomer path: on the first sandbox start (no merchant yet) create a
 * demo merchant with an app for every channel and an HMAC key, plus an admin
 * token when PAYGRID_ADMIN_TOKEN is unset, print them once and keep them in a
 * git-ignored file for `npm run demo`.
 */
@Injectable()
export class DemoSeedService implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoSeedService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly merchants: MerchantsService,
    private readonly tokens: AdminTokensService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.mode !== 'sandbox' || !this.config.demoSeed || this.config.role === 'worker') return;
    const file = resolve(this.config.dataDir, DEMO_CREDENTIALS_FILE);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [SEED_LOCK]);
      if (!locked) return;
      const [{ n }] = await runner.query('SELECT count(*)::int AS n FROM merchants');
      if (n > 0 || existsSync(file)) return;
      const credentials = await this.seed();
      mkdirSync(this.config.dataDir, { recursive: true });
      writeFileSync(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
      process.stdout.write(
        [
          '',
          'Sandbox demo merchant created (shown once; also saved to ' + file + '):',
          `  base URL      ${credentials.base_url}   (Swagger UI: ${credentials.base_url}/docs)`,
          `  merchant      ${credentials.merchant_id}`,
          `  app / key     ${credentials.app_id} / ${credentials.key_id}`,
          `  HMAC secret   ${credentials.secret}`,
          ...(credentials.admin_token ? [`  admin token   ${credentials.admin_token}`] : []),
          'Take a payment end to end with: npm run demo',
          '',
        ].join('\n'),
      );
    } finally {
      await runner.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      await runner.release();
    }
  }

  private async seed(): Promise<Record<string, string | undefined>> {
    const actor: Actor = { actor: 'system' };
    let adminToken: string | undefined;
    if (!this.config.adminToken) adminToken = (await this.tokens.create(actor, 'demo (first start)', 'admin')).secret;
    const merchant = await this.merchants.createMerchant(actor, { name: 'Demo Coffee Co.', fee_bps: 60 });
    const { app } = await this.merchants.createApp(actor, merchant.id, { name: 'Demo shop', channels: [...CHANNELS] });
    const { key, secret } = await this.merchants.createKey(actor, app.id, { type: 'hmac' });
    this.logger.log(`demo merchant ${merchant.id} created`);
    return {
      base_url: this.config.publicBaseUrl,
      merchant_id: merchant.id,
      app_id: app.id,
      key_id: key.id,
      secret,
      admin_token: adminToken ?? undefined,
      admin_token_source: adminToken ? 'generated' : 'PAYGRID_ADMIN_TOKEN',
    };
  }
}
