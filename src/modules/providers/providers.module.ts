import { DynamicModule, Module, ModuleMetadata, OnModuleDestroy, Inject } from '@nestjs/common';
import { HttpBackedAdapter } from './http-backed-adapter';
import { PROVIDER_CALL_OBSERVER, ProviderCallObserver } from './provider-call-observer';
import { PaymentProvider } from './provider.port';
import { PROVIDERS_CONFIG, ProvidersConfig } from './providers.config';
import { ProviderRegistry } from './provider-registry';
import { AlipayAdapter } from './alipay/alipay.adapter';
import { WechatPayAdapter } from './wechatpay/wechatpay.adapter';
import { CardAdapter } from './card/card.adapter';
import { StripeAdapter } from './stripe/stripe.adapter';
import {
  BANK_TRANSFER,
  BankTransferAdapter,
  BankTransferProvider,
  UnconfiguredBank,
} from './bank/bank-transfer.adapter';

export function buildProviders(config: ProvidersConfig): PaymentProvider[] {
  const out: PaymentProvider[] = [];
  if (config.alipay) out.push(new AlipayAdapter(config.alipay));
  if (config.wechatpay) out.push(new WechatPayAdapter(config.wechatpay));
  if (config.card) out.push(new CardAdapter(config.card));
  if (config.stripe) out.push(new StripeAdapter(config.stripe));
  return out;
}

/** Adapters with their HTTP calls reported to the app's observer (metrics), when the app provides one. */
function observed<T>(adapters: T[], observer?: ProviderCallObserver): T[] {
  if (observer) for (const a of adapters) if (a instanceof HttpBackedAdapter) a.observeCalls(observer);
  return adapters;
}

export interface ProvidersModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: any[];
  useFactory: (...args: any[]) => ProvidersConfig | Promise<ProvidersConfig>;
}

/**
 * Adapters + registry. The app provides the config under PROVIDERS_CONFIG,
 * through `forRoot(config)` or `forRootAsync({ useFactory, inject })`.
 * Consumers inject `ProviderRegistry`.
 */
@Module({})
export class ProvidersModule implements OnModuleDestroy {
  constructor(
    @Inject(ProviderRegistry) private readonly registry: ProviderRegistry,
    @Inject(BANK_TRANSFER) private readonly bank: BankTransferProvider,
  ) {}

  static forRoot(config: ProvidersConfig): DynamicModule {
    return ProvidersModule.forRootAsync({ useFactory: () => config });
  }

  static forRootAsync(options: ProvidersModuleAsyncOptions): DynamicModule {
    return {
      module: ProvidersModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        { provide: PROVIDERS_CONFIG, useFactory: options.useFactory, inject: options.inject ?? [] },
        {
          provide: ProviderRegistry,
          useFactory: (config: ProvidersConfig, observer?: ProviderCallObserver) =>
            new ProviderRegistry(observed(buildProviders(config), observer)),
          inject: [PROVIDERS_CONFIG, { token: PROVIDER_CALL_OBSERVER, optional: true }],
        },
        {
          provide: BANK_TRANSFER,
          useFactory: (config: ProvidersConfig, observer?: ProviderCallObserver): BankTransferProvider =>
            config.bank ? observed([new BankTransferAdapter(config.bank)], observer)[0] : new UnconfiguredBank(),
          inject: [PROVIDERS_CONFIG, { token: PROVIDER_CALL_OBSERVER, optional: true }],
        },
      ],
      exports: [ProviderRegistry, PROVIDERS_CONFIG, BANK_TRANSFER],
    };
  }

  onModuleDestroy(): void {
    // Stops opossum's rolling-window timers so the process can exit.
    for (const p of [...this.registry.all(), this.bank]) (p as { shutdown?: () => void }).shutdown?.();
  }
}
