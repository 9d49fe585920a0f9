/**
 * The ledger's public types. Payments and settlements import them from
 * `ledger.service.ts`, which re-exports this file.
 */
import type { AccountCode, AccountType, Direction } from './chart-of-accounts';

export type { AccountCode, AccountType, Direction };

export interface AccountRef {
  code: AccountCode;
  currency: string;
  merchantId?: string;
  /** e.g. the provider name for provider_clearing: 'alipay' | 'wechatpay' | 'card' */
  subkey?: string;
}

export interface PostingInput {
  account: AccountRef;
  direction: Direction;
  /** > 0, in the currency's minor unit. A JS number is refused: money never passes through a float. */
  amount: bigint;
}

export interface JournalEntryInput {
  /** Unique per business event: posting it again returns the first entry and changes nothing. */
  externalId: string;
  type: string;
  referenceType: string;
  referenceId: string;
  merchantId?: string;
  description?: string;
  postings: PostingInput[];
  reversesEntryId?: string;
  /**
   * When the business event happened (a payment's success, a refund's
   * success); settlement days are cut on it. Defaults to the posting time.
   */
  occurredAt?: Date;
  /**
   * Which id picks the shard of a sharded account (docs/ledger.md "Hot
   * accounts"); default externalId. A reversal passes its original's, so it
   * moves back exactly the rows the original moved.
   */
  shardKey?: string;
}

export interface PostingView {
  /** Global insertion order (bigint identity), as a decimal string. */
  id: string;
  accountId: string;
  account: AccountRef;
  direction: Direction;
  amount: bigint;
  currency: string;
  /** The account's balance (in its normal direction) right after this posting. */
  balanceAfter: bigint;
  /** 1, 2, 3… per account, in the order the postings were applied to it. */
  accountSeq: bigint;
}

export interface JournalEntryView {
  id: string;
  externalId: string;
  type: string;
  referenceType: string;
  referenceId: string;
  merchantId: string | null;
  description: string | null;
  reversesEntryId: string | null;
  /** Business time of the event (settlement day membership); defaults to the posting time. */
  occurredAt: Date;
  createdAt: Date;
  postings: PostingView[];
}

export interface PostResult {
  entry: JournalEntryView;
  created: boolean;
}

export interface MerchantBalance {
  currency: string;
  pending: bigint;
  available: bigint;
  in_transit: bigint;
}

export interface TrialBalanceLine {
  currency: string;
  debits: bigint;
  credits: bigint;
  /** debits - credits; anything but 0 means the ledger is broken. */
  net: bigint;
}

/** One account whose cached figures disagree with the sum of its postings. */
export interface BalanceDrift {
  accountId: string;
  code: string;
  currency: string;
  merchantId: string | null;
  subkey: string | null;
  cached: { balance: bigint; debits: bigint; credits: bigint; postingCount: bigint };
  computed: { balance: bigint; debits: bigint; credits: bigint; postingCount: bigint };
}

export interface VerifyResult {
  drift: BalanceDrift[];
  /** Entries with fewer than two postings or not balanced per currency (the deferred trigger makes this impossible). */
  unbalancedEntries: string[];
  accountsChecked: number;
}
