import { DynamicModule, Inject, Module, ModuleMetadata, OnModuleDestroy } from '@nestjs/common';
import { SANDBOX_CONFIG, SandboxConfig } from './sandbox.config';
import { AlipaySimulator } from './alipay/alipay.simulator';
import { WechatPaySimulator } from './wechatpay/wechatpay.simulator';
import { CardSimulator } from './card/card.simulator';
import { BankSimulator } from './bank/bank.simulator';
import { StripeSimulator } from './stripe/stripe.simulator';
import { Simulators, createSimulators } from './sandbox-http-server';
import {
  AlipaySimulatorController,
  BankSimulatorController,
  CardSimulatorController,
  StripeSimulatorController,
  WechatPaySimulatorController,
} from './sandbox.controller';

export interface SandboxModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: any[];
  useFactory: (...args: any[]) => SandboxConfig | Promise<SandboxConfig>;
}

const SIMULATORS = Symbol('SIMULATORS');

/**
 * The provider simulators under /sandbox/{alipay,wechatpay,card,stripe,bank}. Import only
 * in sandbox mode. The simulator instances are exported so tests and scripts
 * can flip their switches programmatically.
 */
@Module({})
export class SandboxModule implements OnModuleDestroy {
  constructor(
    @Inject(AlipaySimulator) private readonly alipay: AlipaySimulator,
    @Inject(WechatPaySimulator) private readonly wechatpay: WechatPaySimulator,
    @Inject(CardSimulator) private readonly card: CardSimulator,
    @Inject(StripeSimulator) private readonly stripe: StripeSimulator,
    @Inject(BankSimulator) private readonly bank: BankSimulator,
  ) {}

  static forRoot(config: SandboxConfig): DynamicModule {
    return SandboxModule.forRootAsync({ useFactory: () => config });
  }

  static forRootAsync(options: SandboxModuleAsyncOptions): DynamicModule {
    return {
      module: SandboxModule,
      imports: options.imports ?? [],
      controllers: [
        AlipaySimulatorController,
        WechatPaySimulatorController,
        CardSimulatorController,
        StripeSimulatorController,
        BankSimulatorController,
      ],
      providers: [
        { provide: SANDBOX_CONFIG, useFactory: options.useFactory, inject: options.inject ?? [] },
        // The same simulators the separate simulator process serves (sandbox-http-server.ts).
        { provide: SIMULATORS, useFactory: (c: SandboxConfig) => createSimulators(c), inject: [SANDBOX_CONFIG] },
        { provide: AlipaySimulator, useFactory: (s: Simulators) => s.alipay, inject: [SIMULATORS] },
        { provide: WechatPaySimulator, useFactory: (s: Simulators) => s.wechatpay, inject: [SIMULATORS] },
        { provide: CardSimulator, useFactory: (s: Simulators) => s.card, inject: [SIMULATORS] },
        { provide: StripeSimulator, useFactory: (s: Simulators) => s.stripe, inject: [SIMULATORS] },
        { provide: BankSimulator, useFactory: (s: Simulators) => s.bank, inject: [SIMULATORS] },
      ],
      exports: [AlipaySimulator, WechatPaySimulator, CardSimulator, StripeSimulator, BankSimulator, SANDBOX_CONFIG],
    };
  }

  onModuleDestroy(): void {
    // Pending callback retries and held answers must not outlive the app.
    for (const sim of [this.alipay, this.wechatpay, this.card, this.stripe, this.bank]) sim.stop();
  }
}
