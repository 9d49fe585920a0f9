import { createHash } from 'node:crypto';
import { isCurrency } from '../../common/money/currency';
import { CHART_OF_ACCOUNTS, isAccountCode, type AccountCode, type Direction } from './chart-of-accounts';
import { LedgerErrors } from './ledger.errors';
import type { AccountRef, JournalEntryInput, JournalEntryView, PostingInput } from './ledger.types';

/** PostgreSQL bigint; amounts and balances never leave it. */
export const MAX_AMOUNT = 9_223_372_036_854_775_807n;
export const MAX_POSTINGS = 100;

const NAME = /^[a-z][a-z0-9_.:-]{0,63}$/;
const SUBKEY = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** An account reference in its stored form: absent parts are null, so it can be compared and keyed. */
export interface CanonicalRef {
  code: AccountCode;
  currency: string;
  merchantId: string | null;
  subkey: string | null;
  /** Which row of a sharded account (chart `shards`) a posting goes to; 0 for every other account. */
  shard: number;
}

export interface CanonicalPosting {
  ref: CanonicalRef;
  key: string;
  direction: Direction;
  amount: bigint;
}

export interface CanonicalEntry {
  externalId: string;
  type: string;
  referenceType: string;
  referenceId: string;
  merchantId: string | null;
  description: string | null;
  reversesEntryId: string | null;
  /** null: the database stamps now(). */
  occurredAt: Date | null;
  postings: CanonicalPosting[];
}

export const refKey = (r: CanonicalRef): string =>
  JSON.stringify([r.code, r.currency, r.merchantId, r.subkey, r.shard]);

/**
 * An entry's slot for sharded accounts, from its external id (or shardKey):
 * a replay of the same event names the same rows, while concurrent entries
 * spread over the shards instead of queueing on one row lock.
 */
export const shardSlot = (key: string): number => createHash('sha256').update(key).digest().readUInt32BE(0);

/** The row of `ref` an entry with this slot posts to: slot mod the chart's shards, 0 for an unsharded account. */
export function shardFor(ref: CanonicalRef, slot: number): CanonicalRef {
  const shards = CHART_OF_ACCOUNTS[ref.code].shards ?? 1;
  return shards <= 1 ? ref : { ...ref, shard: slot % shards };
}

const isText = (v: unknown, max: number): v is string =>
  typeof v === 'string' && v.length > 0 && v.length <= max && v.trim() === v;

/** Checks a reference against the chart: merchant accounts need a merchant, platform accounts must not have one. */
export function canonicalRef(ref: AccountRef, param = 'account'): CanonicalRef {
  if (!ref || typeof ref !== 'object') throw LedgerErrors.accountInvalid('An account reference is required', param);
  if (!isAccountCode(ref.code))
    throw LedgerErrors.accountInvalid(`Unknown account code '${String(ref.code)}'`, `${param}.code`);
  if (!isCurrency(ref.currency))
    throw LedgerErrors.accountInvalid(
      `'${String(ref.currency)}' is not an ISO 4217 currency code`,
      `${param}.currency`,
    );
  const chart = CHART_OF_ACCOUNTS[ref.code];
  const merchantId = ref.merchantId ?? null;
  const subkey = ref.subkey ?? null;
  if (chart.owner === 'merchant' && !isText(merchantId, 64))
    throw LedgerErrors.accountInvalid(
      `${ref.code} belongs to a merchant: merchantId is required`,
      `${param}.merchantId`,
    );
  if (chart.owner === 'platform' && merchantId !== null)
    throw LedgerErrors.accountInvalid(
      `${ref.code} is a platform account: it takes no merchantId`,
      `${param}.merchantId`,
    );
  if (chart.subkey === 'required' && subkey === null)
    throw LedgerErrors.accountInvalid(`${ref.code} needs a subkey (e.g. the provider)`, `${param}.subkey`);
  if (chart.subkey === 'forbidden' && subkey !== null)
    throw LedgerErrors.accountInvalid(`${ref.code} takes no subkey`, `${param}.subkey`);
  if (subkey !== null && (typeof subkey !== 'string' || !SUBKEY.test(subkey)))
    throw LedgerErrors.accountInvalid('subkey must be lower-case letters, digits, _ . -', `${param}.subkey`);
  return { code: ref.code, currency: ref.currency, merchantId, subkey, shard: 0 };
}

/** A bigint in 1..2^63-1. Numbers (10.5, 1e3, even 100) are refused so no float ever reaches a balance. */
export function checkAmount(amount: unknown, param = 'amount'): bigint {
  if (typeof amount !== 'bigint')
    throw LedgerErrors.amountInvalid(`amount must be a bigint in minor units, got ${typeof amount}`, param);
  if (amount <= 0n) throw LedgerErrors.amountInvalid('amount must be greater than zero', param);
  if (amount > MAX_AMOUNT) throw LedgerErrors.amountInvalid('amount does not fit in 64 bits', param);
  return amount;
}

/** Σ debits = Σ credits in every currency of the entry (I1). */
export function assertBalanced(
  postings: ReadonlyArray<{ ref: { currency: string }; direction: Direction; amount: bigint }>,
): void {
  const sums = new Map<string, { debits: bigint; credits: bigint }>();
  for (const p of postings) {
    const s = sums.get(p.ref.currency) ?? { debits: 0n, credits: 0n };
    if (p.direction === 'debit') s.debits += p.amount;
    else s.credits += p.amount;
    sums.set(p.ref.currency, s);
  }
  for (const [currency, s] of sums)
    if (s.debits !== s.credits) throw LedgerErrors.unbalanced(currency, s.debits, s.credits);
}

/**
 * Memo accounts (direct-mode money, not the platform's) balance among
 * themselves in every entry, so a memo posting can never stand in for a real
 * one: the platform's own balances move exactly as if memo accounts did not exist.
 */
export function assertMemoBalanced(
  postings: ReadonlyArray<{ ref: { code: AccountCode; currency: string }; direction: Direction; amount: bigint }>,
): void {
  const net = new Map<string, bigint>();
  for (const p of postings) {
    if (!CHART_OF_ACCOUNTS[p.ref.code].memo) continue;
    net.set(p.ref.currency, (net.get(p.ref.currency) ?? 0n) + (p.direction === 'debit' ? p.amount : -p.amount));
  }
  for (const [currency, n] of net)
    if (n !== 0n)
      throw LedgerErrors.entryInvalid(
        `memo accounts must balance among themselves (${currency} off by ${n}): they post only against each other`,
        'postings',
      );
}

/** Validates an entry completely before any SQL runs; the database re-checks what matters. */
export function canonicalEntry(input: JournalEntryInput): CanonicalEntry {
  if (!input || typeof input !== 'object') throw LedgerErrors.entryInvalid('A journal entry is required');
  if (!isText(input.externalId, 255))
    throw LedgerErrors.entryInvalid('externalId must be a non-empty string of at most 255 characters', 'externalId');
  if (typeof input.type !== 'string' || !NAME.test(input.type))
    throw LedgerErrors.entryInvalid('type must be a lower-case name such as payment.captured', 'type');
  if (typeof input.referenceType !== 'string' || !NAME.test(input.referenceType))
    throw LedgerErrors.entryInvalid('referenceType must be a lower-case name such as payment', 'referenceType');
  if (!isText(input.referenceId, 255)) throw LedgerErrors.entryInvalid('referenceId is required', 'referenceId');
  if (input.merchantId !== undefined && input.merchantId !== null && !isText(input.merchantId, 64))
    throw LedgerErrors.entryInvalid('merchantId must be an id', 'merchantId');
  if (
    input.description !== undefined &&
    input.description !== null &&
    (typeof input.description !== 'string' || input.description.length > 1000)
  ) {
    throw LedgerErrors.entryInvalid('description must be a string of at most 1000 characters', 'description');
  }
  if (input.reversesEntryId !== undefined && input.reversesEntryId !== null && !isText(input.reversesEntryId, 64))
    throw LedgerErrors.entryInvalid('reversesEntryId must be an entry id', 'reversesEntryId');
  if (
    input.occurredAt !== undefined &&
    input.occurredAt !== null &&
    !(input.occurredAt instanceof Date && !Number.isNaN(input.occurredAt.getTime()))
  ) {
    throw LedgerErrors.entryInvalid('occurredAt must be a valid Date', 'occurredAt');
  }
  if (!Array.isArray(input.postings) || input.postings.length < 2)
    throw LedgerErrors.entryInvalid('An entry needs at least two postings', 'postings');
  if (input.postings.length > MAX_POSTINGS)
    throw LedgerErrors.entryInvalid(`An entry takes at most ${MAX_POSTINGS} postings`, 'postings');

  const slot = shardSlot(input.shardKey ?? input.externalId);
  const postings = input.postings.map((p: PostingInput, i) => {
    const param = `postings[${i}]`;
    if (!p || typeof p !== 'object') throw LedgerErrors.entryInvalid('A posting is required', param);
    if (p.direction !== 'debit' && p.direction !== 'credit')
      throw LedgerErrors.entryInvalid("direction must be 'debit' or 'credit'", `${param}.direction`);
    const ref = shardFor(canonicalRef(p.account, `${param}.account`), slot);
    return { ref, key: refKey(ref), direction: p.direction, amount: checkAmount(p.amount, `${param}.amount`) };
  });
  assertBalanced(postings);
  assertMemoBalanced(postings);
  return {
    externalId: input.externalId,
    type: input.type,
    referenceType: input.referenceType,
    referenceId: input.referenceId,
    merchantId: input.merchantId ?? null,
    description: input.description ?? null,
    reversesEntryId: input.reversesEntryId ?? null,
    occurredAt: input.occurredAt ?? null,
    postings,
  };
}

/** The mirror image of an entry's postings: the correction that cancels it exactly. */
export function reversalPostings(entry: JournalEntryView): PostingInput[] {
  return entry.postings.map((p) => ({
    account: p.account,
    direction: p.direction === 'debit' ? 'credit' : 'debit',
    amount: p.amount,
  }));
}

/** Σ debits per currency: the money an entry moves, whichever accounts carry it. */
function debitTotals(postings: ReadonlyArray<{ direction: Direction; amount: bigint; currency: string }>): string {
  const totals = new Map<string, bigint>();
  for (const p of postings)
    if (p.direction === 'debit') totals.set(p.currency, (totals.get(p.currency) ?? 0n) + p.amount);
  return [...totals]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([c, t]) => `${c}:${t}`)
    .join(',');
}

/**
 * Whether a replayed entry describes the same business event as the stored
 * one: same type, reference, reversal link and money per currency. Which
 * accounts carry it may differ (a refund retried from merchant_available after
 * merchant_pending could not cover it); a different amount under the same
 * external id is a caller bug that returning the first entry would hide.
 */
export function sameEvent(stored: JournalEntryView, entry: CanonicalEntry): boolean {
  if (
    stored.type !== entry.type ||
    stored.referenceType !== entry.referenceType ||
    stored.referenceId !== entry.referenceId
  )
    return false;
  if ((stored.reversesEntryId ?? null) !== entry.reversesEntryId) return false;
  return (
    debitTotals(stored.postings) ===
    debitTotals(entry.postings.map((p) => ({ direction: p.direction, amount: p.amount, currency: p.ref.currency })))
  );
}
