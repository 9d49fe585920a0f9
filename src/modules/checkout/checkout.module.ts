import { DynamicModule, Module } from '@nestjs/common';
import { MerchantsModule } from '../merchants/merchants.module';
import { PaymentsModule } from '../payments/payments.module';
import { CashierController } from './cashier.controller';
import { CashierStreams } from './cashier-streams.service';
import { CHECKOUT_CONFIG, CheckoutConfig } from './checkout.config';
import { CheckoutCoreModule } from './checkout-core.module';
import { CheckoutSessionsController } from './checkout-sessions.controller';
import { CheckoutService } from './checkout.service';

export interface CheckoutModuleAsyncOptions {
  inject?: any[];
  useFactory: (...args: any[]) => CheckoutConfig | Promise<CheckoutConfig>;
}

/**
 * Hosted cashier: checkout sessions and counter codes (`/v1`), and the
 * payer's pages (`/checkout`). Builds on payments: every payment a session
 * starts is an ordinary payment of the merchant's app.
 */
@Module({})
export class CheckoutModule {
  static forRootAsync(options: CheckoutModuleAsyncOptions): DynamicModule {
    return {
      module: CheckoutModule,
      imports: [MerchantsModule, PaymentsModule, CheckoutCoreModule],
      controllers: [CheckoutSessionsController, CashierController],
      providers: [
        { provide: CHECKOUT_CONFIG, useFactory: options.useFactory, inject: options.inject ?? [] },
        CheckoutService,
        CashierStreams,
      ],
      exports: [CheckoutService],
    };
  }
}
