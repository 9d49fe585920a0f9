import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { dataSourceOptions } from './database/data-source';
import { AdminModule } from './modules/admin/admin.module';
import { AuthModule } from './modules/auth/auth.module';
import { CryptoModule } from './modules/crypto/crypto.module';
import { DemoModule } from './modules/demo/demo.module';
import { HealthModule } from './modules/health/health.module';
import { LedgerModule } from './modules/ledger/ledger.module';
import { MerchantsModule } from './modules/merchants/merchants.module';
import { MessagingModule } from './modules/messaging/messaging.module';
import { NotificationsModule } from './modules/notifications/notifications.module';
import { loggerParams } from './modules/observability/logging';
import { ObservabilityModule } from './modules/observability/observability.module';
import { PaymentResolutionModule } from './modules/payments/payment-resolution.adapter';
import { PaymentsModule } from './modules/payments/payments.module';
import { ProvidersModule } from './modules/providers/providers.module';
import { providersConfigFor, sandboxConfigFor } from './modules/providers/providers-setup';
import { SandboxModule } from './modules/sandbox/sandbox.module';
import { SettlementsModule } from './modules/settlements/settlements.module';
import { StoredSecretsService } from './modules/crypto/stored-secrets.service';

/**
 * One module graph for both entrypoints: `main.ts` serves it over HTTP,
 * `worker.ts` runs it as an application context with no HTTP server. Workers
 * decide from `config.role` whether to start their loops.
 */
@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.database.url) throw new Error('AppModule needs a resolved database URL (see bootstrap.ts)');
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config)),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.database.url, { poolSize: config.database.poolSize, applicationName: `paygrid-${config.role}` }),
          migrationsRun: config.database.migrationsRun,
        }),
        ObservabilityModule,
        MessagingModule,
        CryptoModule,
        AdminModule,
        HealthModule,
        MerchantsModule,
        NotificationsModule,
        AuthModule,
        LedgerModule,
        ProvidersModule.forRootAsync({ inject: [StoredSecretsService], useFactory: (secrets: StoredSecretsService) => providersConfigFor(config, secrets) }),
        // The simulators exist only in sandbox mode (in live mode /sandbox routes do not), and only here
        // when no separate simulator process (SANDBOX_URL, src/sandbox.ts) serves them.
        ...(config.mode === 'sandbox' && !config.sandbox.url ? [SandboxModule.forRootAsync({ inject: [StoredSecretsService], useFactory: (secrets: StoredSecretsService) => sandboxConfigFor(config, secrets) })] : []),
        PaymentsModule,
        PaymentResolutionModule,
        SettlementsModule,
        DemoModule,
      ],
    };
  }
}
