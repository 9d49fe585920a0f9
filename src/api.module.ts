import { DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import type { AppConfig } from './config/config';
import { AdminController } from './modules/admin/admin.controller';
import { JwksController } from './modules/auth/jwks.controller';
import { PingController } from './modules/auth/ping.controller';
import { PlatformKeysAdminController } from './modules/auth/platform-keys-admin.controller';
import { checkoutConfigFor } from './checkout-setup';
import { CheckoutModule } from './modules/checkout/checkout.module';
import { StoredSecretsService } from './modules/crypto/stored-secrets.service';
import { DemoModule } from './modules/demo/demo.module';
import { HealthController } from './modules/health/health.controller';
import { LedgerAdminController } from './modules/ledger/ledger-admin.controller';
import { LedgerModule } from './modules/ledger/ledger.module';
import { MerchantsAdminController } from './modules/merchants/merchants-admin.controller';
import { ProviderAccountsAdminController } from './modules/merchants/provider-accounts-admin.controller';
import { MerchantsModule } from './modules/merchants/merchants.module';
import { EventsController } from './modules/notifications/events.controller';
import { NotificationsModule } from './modules/notifications/notifications.module';
import { DeadLettersAdminController } from './modules/notifications/dead-letters-admin.controller';
import { WebhookDeliveriesAdminController } from './modules/notifications/webhooks/webhook-deliveries-admin.controller';
import { WebhookDeliveriesController } from './modules/notifications/webhooks/webhook-deliveries.controller';
import { MetricsController } from './modules/observability/metrics.controller';
import { BalanceController } from './modules/payments/balance.controller';
import { CallbacksController } from './modules/payments/callbacks/callbacks.controller';
import { PaymentsAdminController } from './modules/payments/payments-admin.controller';
import { PaymentsController } from './modules/payments/payments.controller';
import { PaymentsModule } from './modules/payments/payments.module';
import { RefundsController } from './modules/payments/refunds/refunds.controller';
import { SplitsController } from './modules/payments/splits/splits.controller';
import { SandboxModule } from './modules/sandbox/sandbox.module';
import { sandboxConfigFor } from './modules/sandbox/sandbox-setup';
import { ReconciliationAdminController } from './modules/settlements/reconciliation-admin.controller';
import { SettlementsAdminController } from './modules/settlements/settlements-admin.controller';
import { SettlementsController } from './modules/settlements/settlements.controller';
import { SettlementsModule } from './modules/settlements/settlements.module';

/**
 * What the HTTP process serves: every module's controllers (the modules
 * themselves declare none, so the worker process instantiates none), health,
 * the sandbox simulators when served here, and the demo seed.
 */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        TerminusModule,
        MerchantsModule,
        NotificationsModule,
        LedgerModule,
        PaymentsModule,
        SettlementsModule,
        // The simulators exist only in sandbox mode (in live mode /sandbox routes do not), and only here
        // when no separate simulator process (SANDBOX_URL, src/sandbox.ts) serves them.
        ...(config.mode === 'sandbox' && !config.sandbox.url
          ? [
              SandboxModule.forRootAsync({
                inject: [StoredSecretsService],
                useFactory: (secrets: StoredSecretsService) => sandboxConfigFor(config, secrets),
              }),
            ]
          : []),
        // The hosted cashier: pages and checkout sessions, HTTP only.
        CheckoutModule.forRootAsync({
          inject: [StoredSecretsService],
          useFactory: (secrets: StoredSecretsService) => checkoutConfigFor(config, secrets),
        }),
        DemoModule,
      ],
      controllers: [
        MetricsController,
        AdminController,
        HealthController,
        MerchantsAdminController,
        ProviderAccountsAdminController,
        EventsController,
        WebhookDeliveriesController,
        WebhookDeliveriesAdminController,
        DeadLettersAdminController,
        PingController,
        JwksController,
        PlatformKeysAdminController,
        LedgerAdminController,
        PaymentsController,
        RefundsController,
        SplitsController,
        BalanceController,
        CallbacksController,
        PaymentsAdminController,
        SettlementsController,
        SettlementsAdminController,
        ReconciliationAdminController,
      ],
    };
  }
}
