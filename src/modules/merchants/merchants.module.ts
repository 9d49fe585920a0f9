import { Module } from '@nestjs/common';
import { MerchantsAdminController } from './merchants-admin.controller';
import { MerchantsRepository } from './merchants.repository';
import { MerchantsService } from './merchants.service';

@Module({
  controllers: [MerchantsAdminController],
  providers: [MerchantsRepository, MerchantsService],
  exports: [MerchantsService, MerchantsRepository],
})
export class MerchantsModule {}
