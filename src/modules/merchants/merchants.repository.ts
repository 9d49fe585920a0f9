import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsWhere } from 'typeorm';
import { ListQueryDto, cursorWhere, pageSize } from '../../common/http/pagination';
import { App } from './entities/app.entity';
import { AppKey } from './entities/app-key.entity';
import { Merchant, MerchantStatus } from './entities/merchant.entity';

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
    return this.dataSource.manager.find(Merchant, { where: cursorWhere(query, where), order: { id: 'DESC' }, take: pageSize(query) + 1 });
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
}
