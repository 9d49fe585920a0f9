/**
 * Migrations in the order they run. Written by hand (constraints, triggers)
 * and committed; `test/integration/schema-drift.int-spec.ts` fails when the
 * entities and these migrations disagree.
 */
import { Foundation1764100000000 } from './1764100000000-foundation';
import { Ledger1764200000000 } from './1764200000000-ledger';
import { Events1764400000000 } from './1764400000000-events';
import { Auth1764300000000 } from './1764300000000-auth';
import { Payments1764500000000 } from './1764500000000-payments';
import { Settlements1764600000000 } from './1764600000000-settlements';
import { LedgerShards1764700000000 } from './1764700000000-ledger-shards';
import { ConfigCache1764900000000 } from './1764900000000-config-cache';
import { Channels1765300000000 } from './1765300000000-channels';
import { Checkout1765400000000 } from './1765400000000-checkout';
import { CrashSafeCreates1765620000000 } from './1765620000000-crash-safe-creates';
import { ProviderAccounts1765760000000 } from './1765760000000-provider-accounts';
import { PaymentSubMerchant1765760000001 } from './1765760000001-payment-sub-merchant';
import { PaymentMoneyMode1765770000000 } from './1765770000000-payment-money-mode';
import { AlipayAppAuth1765770000001 } from './1765770000001-alipay-app-auth';
import { RefundAttention1765780000000 } from './1765780000000-refund-attention';
import { AppKeyMode1765810000000 } from './1765810000000-app-key-mode';
import { Splits1765900000000 } from './1765900000000-splits';
import { ProviderAccountsConfigCache1765920000000 } from './1765920000000-provider-accounts-config-cache';
import { CheckoutSessionSweep1765940000000 } from './1765940000000-checkout-session-sweep';
import { ReconciliationExceptionEvents1765940000001 } from './1765940000001-reconciliation-exception-events';
import { AlipayRefreshFailure1765940000002 } from './1765940000002-alipay-refresh-failure';
import { MerchantKeys1766100000000 } from './1766100000000-merchant-keys';

export const MIGRATIONS = [
  Foundation1764100000000,
  Ledger1764200000000,
  Auth1764300000000,
  Events1764400000000,
  Payments1764500000000,
  Settlements1764600000000,
  LedgerShards1764700000000,
  ConfigCache1764900000000,
  Channels1765300000000,
  Checkout1765400000000,
  CrashSafeCreates1765620000000,
  ProviderAccounts1765760000000,
  PaymentSubMerchant1765760000001,
  PaymentMoneyMode1765770000000,
  AlipayAppAuth1765770000001,
  RefundAttention1765780000000,
  AppKeyMode1765810000000,
  Splits1765900000000,
  ProviderAccountsConfigCache1765920000000,
  CheckoutSessionSweep1765940000000,
  ReconciliationExceptionEvents1765940000001,
  AlipayRefreshFailure1765940000002,
  MerchantKeys1766100000000,
];
