import type { Type } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Logger } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../../src/config/config';
import { CoreModule } from '../../src/core.module';
import type { MerchantContext } from '../../src/modules/auth/merchant-context';
import { LedgerService } from '../../src/modules/ledger/ledger.service';
import { MerchantsService } from '../../src/modules/merchants/merchants.service';
import { PaymentsService } from '../../src/modules/payments/payments.service';
import type { Payment } from '../../src/modules/payments/entities/payment.entity';
import type { Refund } from '../../src/modules/payments/entities/refund.entity';
import { RefundsService } from '../../src/modules/payments/refunds/refunds.service';
import { ProviderRegistry } from '../../src/modules/providers/provider-registry';
import { FakeProvider } from './fake-provider';
import { count } from './payments-kit';
import { TestDatabase, createTestDatabase } from './test-db';
import { testConfig } from './test-app';

/** The operator a module spec acts as when a service asks who did it. */
export const KIT_ACTOR = { actor: 'atk_module_spec' };

export interface KitMerchant {
  merchantId: string;
  appId: string;
  /** What the signature guard would hand the services for a request of this app. */
  ctx: MerchantContext;
}

export interface ModuleKit {
  module: TestingModule;
  config: AppConfig;
  db: TestDatabase;
  dataSource: DataSource;
  provider: FakeProvider;
  get<T>(type: Type<T>): T;
  /** A merchant with one app on the fake's channel, made through MerchantsService (no HTTP). */
  merchant(opts?: { feeBps?: number; timezone?: string }): Promise<KitMerchant>;
  /** A payment the fake accepted as pending (a QR code to pay), made through PaymentsService.create. */
  pendingPayment(m: KitMerchant, amount?: bigint, opts?: { expiresInS?: number }): Promise<Payment>;
  /** A payment the fake answered succeeded at create (as a barcode or card payment is). */
  paidPayment(m: KitMerchant, amount?: bigint): Promise<Payment>;
  /** A refund asked by the merchant through RefundsService.create (script the fake's refund answer first). */
  refund(m: KitMerchant, paymentId: string, outRefundNo: string, amount: number): Promise<Refund>;
  /** Ledger entries and outbox events about one object, by id. */
  effectsOf(referenceId: string): Promise<{ entries: string[]; events: string[] }>;
  /** Σ debits − Σ credits per currency over every posting: all zero when the ledger balances. */
  trialBalanceNets(): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * The middle test layer (README "Tests"): the domain modules as every process
 * composes them (`CoreModule`: no HTTP server, no worker loop, no RabbitMQ:
 * the in-process bus), over a fresh clone of the migrated template database,
 * with the provider registry replaced by one scripted `FakeProvider`. Specs
 * call the services directly and read the rows.
 */
export async function startModuleKit(env: Record<string, string | undefined> = {}): Promise<ModuleKit> {
  const db = await createTestDatabase();
  // AMQP_URL unset whatever the shell has: events stay in the outbox and the in-process bus.
  const config = testConfig(db, { AMQP_URL: undefined, ...env });
  const provider = new FakeProvider();
  const module = await Test.createTestingModule({ imports: [CoreModule.forRoot(config)] })
    .overrideProvider(ProviderRegistry)
    .useValue(new ProviderRegistry([provider]))
    .compile();
  module.useLogger(module.get(Logger));
  await module.init();
  const dataSource = module.get<DataSource>(getDataSourceToken());
  const get = <T>(type: Type<T>): T => module.get(type, { strict: false });
  let n = 0;

  return {
    module,
    config,
    db,
    dataSource,
    provider,
    get,
    async merchant(opts = {}) {
      const merchants = get(MerchantsService);
      const merchant = await merchants.createMerchant(KIT_ACTOR, {
        name: 'Module spec merchant',
        fee_bps: opts.feeBps ?? 60,
        timezone: opts.timezone ?? 'UTC',
      });
      const { app } = await merchants.createApp(KIT_ACTOR, merchant.id, {
        name: 'Module spec app',
        channels: ['alipay_qr'],
      });
      return {
        merchantId: merchant.id,
        appId: app.id,
        ctx: { merchantId: merchant.id, appId: app.id, keyId: 'key_module_spec', requestId: `req_${++n}` },
      };
    },
    async pendingPayment(m, amount = 10_000n, opts = {}) {
      provider.script('createPayment', { status: 'pending', nextAction: { type: 'qr_code', qr_code: 'fake://qr' } });
      const p = await get(PaymentsService).create(m.ctx, {
        out_trade_no: `order-${++n}-${Date.now()}`,
        amount: Number(amount),
        currency: 'CNY',
        subject: 'Module spec order',
        channel: 'alipay_qr',
        ...(opts.expiresInS !== undefined ? { expires_in: opts.expiresInS } : {}),
      });
      if (p.status !== 'pending') throw new Error(`the fake's pending create gave a ${p.status} payment`);
      return p;
    },
    async paidPayment(m, amount = 10_000n) {
      provider.script('createPayment', (args) => ({
        status: 'succeeded',
        providerTransactionId: `tx_${(args[0] as { providerOrderId: string }).providerOrderId}`,
      }));
      const p = await get(PaymentsService).create(m.ctx, {
        out_trade_no: `paid-${++n}-${Date.now()}`,
        amount: Number(amount),
        currency: 'CNY',
        subject: 'Module spec order',
        channel: 'alipay_qr',
      });
      if (p.status !== 'succeeded') throw new Error(`the fake's successful create gave a ${p.status} payment`);
      return p;
    },
    refund(m, paymentId, outRefundNo, amount) {
      return get(RefundsService).create(
        { merchantId: m.merchantId, appId: m.appId, kind: 'merchant', actor: 'key_module_spec' },
        { payment_id: paymentId, out_refund_no: outRefundNo, amount },
      );
    },
    async effectsOf(referenceId) {
      const entries: Array<{ type: string }> = await dataSource.query(
        `SELECT type FROM ledger_entries WHERE reference_id = $1 ORDER BY created_at, id`,
        [referenceId],
      );
      const events: Array<{ type: string }> = await dataSource.query(
        `SELECT type FROM events WHERE object->>'id' = $1 ORDER BY id`,
        [referenceId],
      );
      return { entries: entries.map((e) => e.type), events: events.map((e) => e.type) };
    },
    async trialBalanceNets() {
      const lines = await get(LedgerService).trialBalance();
      return lines.map((l) => String(l.net));
    },
    async close() {
      await module.close();
      await db.drop();
    },
  };
}

/** Rows matching a query, for "nothing else was written" assertions. */
export const rows = (kit: ModuleKit, sql: string, params: unknown[] = []) => count(kit.dataSource, sql, params);
