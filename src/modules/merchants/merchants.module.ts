import { MerchantsMetrics } from './merchants.metrics';
import { Module } from '@nestjs/common';
import { ConfigChangeListener } from './config-change.listener';
import { MerchantDirectory } from './merchant-directory';
import { MerchantsRepository } from './merchants.repository';
import { MerchantsService } from './merchants.service';
import { ProviderAccountsService } from './provider-accounts.service';

/**
 * Other modules read merchants, apps and keys through MerchantDirectory (the
 * read port, served from memory); only this module touches their tables.
 * Its admin controller is listed by src/api.module.ts.
 */
@Module({
  providers: [
    MerchantsRepository,
    MerchantsService,
    ProviderAccountsService,
    MerchantDirectory,
    ConfigChangeListener,
    MerchantsMetrics,
  ],
  exports: [MerchantsService, ProviderAccountsService, MerchantDirectory],
})
export class MerchantsModule {}
