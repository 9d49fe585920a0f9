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
  | 'provider_fee_expense'
  | 'merchant_direct_receipts'
  | 'merchant_direct_sales'
  | 'merchant_fee_receivable';

export interface ChartEntry {
  type: AccountType;
  /** Accounts owned by one merchant carry its id; platform accounts carry none. */
  owner: 'merchant' | 'platform';
  /** `required`: e.g. provider_clearing is kept per provider ('alipay' | 'wechatpay' | 'card'). */
  subkey: 'required' | 'optional' | 'forbidden';
  /**
   * Memorandum account: records money that is not the platform's (direct mode, where the
   * provider settles to the merchant). Memo accounts come in a balanced pair and only post
   * against each other, so they never move the platform's own balances.
   */
  memo?: boolean;
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
  // Direct (service-provider) mode, docs/ledger.md "Direct mode": the buyer's money lands in the merchant's own
  // provider account, so it is neither an asset nor a liability of the platform. The ledger keeps it as a memo pair
  // (what the merchant took, per provider) and books only what is really the platform's: the fee it is owed.
  merchant_direct_receipts: {
    type: 'asset',
    owner: 'merchant',
    subkey: 'required',
    memo: true,
    // Refunds never exceed what was taken, so a negative balance would mean a refund posted twice or a lost payment.
    nonNegative: true,
    description:
      "Memo: buyers' money a provider (subkey) took into the merchant's own account in direct mode, net of refunds paid from it. Not the platform's money; never settled or paid out.",
  },
  merchant_direct_sales: {
    type: 'liability',
    owner: 'merchant',
    subkey: 'required',
    memo: true,
    nonNegative: true,
    description:
      "Memo counterpart of merchant_direct_receipts: the merchant's direct-mode sales, net of refunds. The platform owes nothing on it.",
  },
  merchant_fee_receivable: {
    type: 'asset',
    owner: 'merchant',
    subkey: 'forbidden',
    // Negative is meaningful: a refund returned part of a fee the merchant had already paid, so the platform owes it back.
    nonNegative: false,
    description:
      'Platform fees a direct-mode merchant owes the platform (the fee could not be withheld: the money never passed through the platform); reduced when a refund returns part of the fee.',
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
