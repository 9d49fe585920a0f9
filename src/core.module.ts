import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { IpRateLimitModule } from './common/http/ip-rate-limit';
import { AppConfig } from './config/config';
import { ConfigModule } from './config/config.module';
import { dataSourceOptions } from './database/data-source';
import { AdminModule } from './modules/admin/admin.module';
import { AuthModule } from './modules/auth/auth.module';
import { CryptoModule } from './modules/crypto/crypto.module';
import { StoredSecretsService } from './modules/crypto/stored-secrets.service';
import { LedgerModule } from './modules/ledger/ledger.module';
import { MerchantsModule } from './modules/merchants/merchants.module';
import { MessagingModule } from './modules/messaging/messaging.module';
import { NotificationsModule } from './modules/notifications/notifications.module';
import { loggerParams } from './modules/observability/logging';
import { ObservabilityModule } from './modules/observability/observability.module';
import { PaymentResolutionModule } from './modules/payments/resolution/payment-resolution.adapter';
import { PaymentsModule } from './modules/payments/payments.module';
import { ProvidersModule } from './modules/providers/providers.module';
import { SettlementsModule } from './modules/settlements/settlements.module';
import { ProviderCallMetricsModule } from './provider-call-metrics';
import { providersConfigFor } from './providers-setup';

/**
 * The modules every process shares (API, workers, CLI): configuration,
 * logging, the data source and the domain modules, with no controller and no
 * running loop. `AppModule` adds the HTTP side and, in role `all`, the workers;
 * `worker.ts` adds only the workers.
 */
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (!config.database.url) throw new Error('CoreModule needs a resolved database URL (see bootstrap.ts)');
    return {
      module: CoreModule,
      imports: [
        ConfigModule.forRoot(config),
        // Global: the admin guard (AdminModule, below) counts failed tokens in it; HTTP processes mount its middleware.
        IpRateLimitModule,
        LoggerModule.forRoot(loggerParams(config)),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.database.url, {
            poolSize: config.database.poolSize,
            applicationName: `paygrid-${config.role}`,
            connectTimeoutMs: config.database.connectTimeoutMs,
            statementTimeoutMs: config.database.statementTimeoutMs,
            queryTimeoutMs: config.database.queryTimeoutMs,
          }),
          migrationsRun: config.database.migrationsRun,
        }),
        ObservabilityModule,
        MessagingModule,
        CryptoModule,
        AdminModule,
        MerchantsModule,
        NotificationsModule,
        AuthModule,
        LedgerModule,
        ProviderCallMetricsModule,
        ProvidersModule.forRootAsync({
          inject: [StoredSecretsService],
          useFactory: (secrets: StoredSecretsService) => providersConfigFor(config, secrets),
        }),
        PaymentsModule,
        PaymentResolutionModule,
        SettlementsModule,
      ],
    };
  }
}
