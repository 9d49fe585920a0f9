import { Module } from '@nestjs/common';
import { MerchantsModule } from '../merchants/merchants.module';
import { DemoSeedService } from './demo-seed.service';

@Module({ imports: [MerchantsModule], providers: [DemoSeedService] })
export class DemoModule {}
