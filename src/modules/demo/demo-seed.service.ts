import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import cluster from 'node:cluster';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { AdminTokensService } from '../admin/admin-tokens.service';
import type { Actor } from '../admin/audit-log.service';
import { MerchantsService } from '../merchants/merchants.service';
import { CHANNELS } from '../providers/provider.port';

import { DEMO_CREDENTIALS_FILE, DemoCredentials, demoCredentialLines } from './demo-credentials';

export { DEMO_CREDENTIALS_FILE } from './demo-credentials';
const SEED_LOCK = 0x7061_7967; // "payg": one seeder across processes sharing the database

/**
 * The newcomer path: on the first sandbox start (no merchant yet) create a
 * demo merchant with an app for every channel and an HMAC key, plus an admin
 * token when PAYGRID_ADMIN_TOKEN is unset, keep them in a git-ignored file
 * for `npm run demo`, and show them once: main.ts puts `created` in its boot
 * block; an API process of a cluster (whose primary prints that block) prints
 * them itself.
 */
@Injectable()
export class DemoSeedService implements OnApplicationBootstrap {
  private readonly logger = new Logger(DemoSeedService.name);
  /** Set when this boot created the demo merchant; undefined otherwise. */
  created?: DemoCredentials;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly merchants: MerchantsService,
    private readonly tokens: AdminTokensService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.mode !== 'sandbox' || !this.config.demoSeed) return;
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
      this.created = credentials;
      if (cluster.isWorker) process.stdout.write(`\n${demoCredentialLines(credentials, file).join('\n')}\n`);
    } finally {
      await runner.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
      await runner.release();
    }
  }

  private async seed(): Promise<DemoCredentials> {
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
      secret: secret ?? '',
      admin_token: adminToken ?? undefined,
      admin_token_source: adminToken ? 'generated' : 'PAYGRID_ADMIN_TOKEN',
    };
  }
}
