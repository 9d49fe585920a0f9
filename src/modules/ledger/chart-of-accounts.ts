/**
 * The chart of accounts (docs/ledger.md explains each with worked examples).
 * An account is identified by (code, currency, merchant, subkey) and created
 * on first use; its type and flags come from here, never from the caller, so a
 * caller cannot open a merchant balance that is allowed to go negative.
 */
export type AccountType = 'asset' | 'liability' | 'revenue' | 'expense';
export type Direction = 'debit' | 'credit';

export type AccountCode =
  | 'provider_clearing'
  | 'merchant_pending'
  | 'merchant_available'
  | 'merchant_payouts_in_transit'
  | 'platform_fee_revenue'
  | 'platform_bank'
  | 'late_payments_suspense'
  | 'refunds_payable'
  | 'provider_fee_expense';

export interface ChartEntry {
  type: AccountType;
  /** Accounts owned by one merchant carry its id; platform accounts carry none. */
  owner: 'merchant' | 'platform';
  /** `required`: e.g. provider_clearing is kept per provider ('alipay' | 'wechatpay' | 'card'). */
  subkey: 'required' | 'optional' | 'forbidden';
  /** TigerBeetle's "debits must not exceed credits" in normal-balance terms: balance >= 0, enforced by a CHECK. */
  nonNegative: boolean;
  /**
   * Rows the account is spread over (default 1). Every captured payment posts to the
   * platform's clearing and fee accounts, and a posting holds its row's lock until
   * COMMIT: with one row, payments would queue on it. Only accounts that may go
   * negative can be sharded (a non-negative CHECK needs the one balance).
   */
  shards?: number;
  description: string;
}

export const CHART_OF_ACCOUNTS: Readonly<Record<AccountCode, ChartEntry>> = {
  provider_clearing: {
    type: 'asset',
    owner: 'platform',
    subkey: 'required',
    nonNegative: false,
    shards: 8,
    description:
      'What a provider (subkey: alipay, wechatpay, card) owes the platform for captured payments, net of refunds it paid out; cleared when the provider settles to the bank.',
  },
  merchant_pending: {
    type: 'liability',
    owner: 'merchant',
    subkey: 'forbidden',
    nonNegative: true,
    description:
      "A merchant's share of captured payments that is not yet settled (T+N); refunds are taken from here first.",
  },
  merchant_available: {
    type: 'liability',
    owner: 'merchant',
    subkey: 'forbidden',
    nonNegative: true,
    description: "A merchant's settled balance, ready to be paid out.",
  },
  merchant_payouts_in_transit: {
    type: 'liability',
    owner: 'merchant',
    subkey: 'forbidden',
    nonNegative: true,
    description:
      "Payouts sent to a merchant's bank and not yet confirmed paid; returned to available if the payout fails.",
  },
  platform_fee_revenue: {
    type: 'revenue',
    owner: 'platform',
    subkey: 'forbidden',
    nonNegative: false,
    shards: 8,
    description: 'Platform fees earned on payments, reduced when a refund returns part of the fee.',
  },
  platform_bank: {
    type: 'asset',
    owner: 'platform',
    subkey: 'optional',
    nonNegative: false,
    description:
      "The platform's bank account (subkey: which account, if several): provider settlements arrive, merchant payouts leave.",
  },
  late_payments_suspense: {
    type: 'liability',
    owner: 'platform',
    subkey: 'optional',
    nonNegative: false,
    description:
      'Money a provider confirmed for a payment already closed on our side, held until it is refunded or accepted (never dropped).',
  },
  refunds_payable: {
    type: 'liability',
    owner: 'platform',
    subkey: 'optional',
    nonNegative: false,
    description:
      'Refunds accepted and taken from the merchant but not yet confirmed by the provider (subkey: provider).',
  },
  provider_fee_expense: {
    type: 'expense',
    owner: 'platform',
    subkey: 'optional',
    nonNegative: false,
    description: 'Fees the providers charge the platform (subkey: provider), booked from their settlement statements.',
  },
};

export const ACCOUNT_CODES = Object.keys(CHART_OF_ACCOUNTS) as AccountCode[];

export function isAccountCode(code: unknown): code is AccountCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(CHART_OF_ACCOUNTS, code);
}

/** Assets and expenses grow with debits; liabilities and revenue with credits. */
export function normalBalance(type: AccountType): Direction {
  return type === 'asset' || type === 'expense' ? 'debit' : 'credit';
}

/** How a posting moves an account's balance, in the account's normal direction. */
export function balanceDelta(type: AccountType, direction: Direction, amount: bigint): bigint {
  return direction === normalBalance(type) ? amount : -amount;
}
