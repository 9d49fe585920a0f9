import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsWhere } from 'typeorm';
import { ListQueryDto, cursorWhere, pageSize } from '../../common/http/pagination';
import type { Channel } from '../providers/provider.port';
import { App, AppStatus } from './entities/app.entity';
import { AppKey, AppKeyMode, AppKeyStatus, AppKeyType } from './entities/app-key.entity';
import { Merchant, MerchantStatus } from './entities/merchant.entity';
import { ProviderAccount, ProviderFamily } from './entities/provider-account.entity';

/** The merchant aggregate: merchants, their apps and the apps' keys. */
@Injectable()
export class MerchantsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private m(manager?: EntityManager): EntityManager {
    return manager ?? this.dataSource.manager;
  }

  findMerchant(id: string, manager?: EntityManager): Promise<Merchant | null> {
    return this.m(manager).findOneBy(Merchant, { id });
  }

  lockMerchant(manager: EntityManager, id: string): Promise<Merchant | null> {
    return manager.findOne(Merchant, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  listMerchants(query: ListQueryDto, status?: MerchantStatus): Promise<Merchant[]> {
    const where: FindOptionsWhere<Merchant> = status ? { status } : {};
    return this.dataSource.manager.find(Merchant, {
      where: cursorWhere(query, where),
      order: { id: 'DESC' },
      take: pageSize(query) + 1,
    });
  }

  async saveMerchant(manager: EntityManager, merchant: Merchant): Promise<void> {
    await manager.save(Merchant, merchant);
  }

  findApp(id: string, manager?: EntityManager): Promise<App | null> {
    return this.m(manager).findOneBy(App, { id });
  }

  lockApp(manager: EntityManager, id: string): Promise<App | null> {
    return manager.findOne(App, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  listApps(merchantId: string, manager?: EntityManager): Promise<App[]> {
    return this.m(manager).find(App, { where: { merchantId }, order: { id: 'DESC' } });
  }

  async saveApp(manager: EntityManager, app: App): Promise<void> {
    await manager.save(App, app);
  }

  findKey(id: string, manager?: EntityManager): Promise<AppKey | null> {
    return this.m(manager).findOneBy(AppKey, { id });
  }

  listKeys(appId: string, manager?: EntityManager): Promise<AppKey[]> {
    return this.m(manager).find(AppKey, { where: { appId }, order: { id: 'DESC' } });
  }

  countActiveKeys(manager: EntityManager, appId: string): Promise<number> {
    return manager.countBy(AppKey, { appId, status: 'active' });
  }

  async saveKey(manager: EntityManager, key: AppKey): Promise<void> {
    await manager.save(AppKey, key);
  }

  listProviderAccounts(merchantId: string, manager?: EntityManager): Promise<ProviderAccount[]> {
    return this.m(manager).find(ProviderAccount, { where: { merchantId }, order: { family: 'ASC' } });
  }

  lockProviderAccount(
    manager: EntityManager,
    merchantId: string,
    family: ProviderFamily,
  ): Promise<ProviderAccount | null> {
    return manager.findOne(ProviderAccount, { where: { merchantId, family }, lock: { mode: 'pessimistic_write' } });
  }

  async saveProviderAccount(manager: EntityManager, account: ProviderAccount): Promise<void> {
    await manager.save(ProviderAccount, account);
  }

  /** Authorised Alipay accounts that need an operator, by reason (the gauge behind the alert). */
  async alipayAttention(warnBeforeMs: number): Promise<{ refused: number; expiring: number }> {
    const rows: Array<{ refused: number; expiring: number }> = await this.dataSource.query(
      `SELECT count(*) FILTER (WHERE refresh_failed_at IS NOT NULL)::int AS refused,
              count(*) FILTER (WHERE refresh_failed_at IS NULL
                                 AND refresh_expires_at <= now() + $1 * interval '1 millisecond')::int AS expiring
         FROM merchant_provider_accounts
        WHERE family = 'alipay' AND app_auth_token_enc IS NOT NULL`,
      [warnBeforeMs],
    );
    return rows[0] ?? { refused: 0, expiring: 0 };
  }

  // The configuration cache's reads (merchant-directory.ts): plain SQL by primary key, no entity hydration.

  async loadMerchantRow(id: string): Promise<MerchantRow | null> {
    const rows: MerchantRow[] = await this.dataSource.query(
      `SELECT id, name, status, settlement_currency, timezone, fee_bps, settlement_delay_days FROM merchants WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async loadAppRow(id: string): Promise<AppRow | null> {
    const rows: AppRow[] = await this.dataSource.query(`${APP_ROW_SELECT} WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  loadAppRowsOf(merchantId: string): Promise<AppRow[]> {
    return this.dataSource.query(`${APP_ROW_SELECT} WHERE merchant_id = $1 ORDER BY id DESC`, [merchantId]);
  }

  async loadKeyRow(id: string): Promise<KeyRow | null> {
    const rows: KeyRow[] = await this.dataSource.query(
      `SELECT id, app_id, merchant_id, type, mode, status, expires_at, secret_enc, public_key_pem FROM app_keys WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }
}

const APP_ROW_SELECT = `SELECT id, merchant_id, name, status, channels, webhook_url, webhook_secret_enc,
       previous_webhook_secret_enc, previous_webhook_secret_expires_at FROM apps`;

export interface MerchantRow {
  id: string;
  name: string;
  status: MerchantStatus;
  settlement_currency: string;
  timezone: string;
  fee_bps: number;
  settlement_delay_days: number;
}

export interface AppRow {
  id: string;
  merchant_id: string;
  name: string;
  status: AppStatus;
  channels: Channel[];
  webhook_url: string | null;
  webhook_secret_enc: string | null;
  previous_webhook_secret_enc: string | null;
  previous_webhook_secret_expires_at: Date | null;
}

export interface KeyRow {
  id: string;
  app_id: string;
  merchant_id: string;
  type: AppKeyType;
  mode: AppKeyMode;
  status: AppKeyStatus;
  expires_at: Date | null;
  secret_enc: string | null;
  public_key_pem: string | null;
}
