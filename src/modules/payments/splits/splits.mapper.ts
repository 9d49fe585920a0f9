import type { Split } from '../entities/split.entity';
import type { SplitReturn } from '../entities/split-return.entity';
import type { SplitResponseDto, SplitReturnResponseDto } from './dto/split.dto';

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);
/** Amounts are capped far below 2^53 at the API edge, so a JSON number is exact. */
const money = (v: bigint | string): number => Number(v);

export function toSplitReturnResponse(r: SplitReturn): SplitReturnResponseDto {
  return {
    id: r.id,
    object: 'split_return',
    split_id: r.splitId,
    receiver_account: r.receiverAccount,
    amount: money(r.amount),
    currency: r.currency,
    description: r.description,
    status: r.status,
    failure_code: r.failureCode,
    failure_message: r.failureMessage,
    succeeded_at: iso(r.succeededAt),
    created_at: iso(r.createdAt)!,
  };
}

export function toSplitResponse(s: Split, returns?: SplitReturn[]): SplitResponseDto {
  return {
    id: s.id,
    object: 'split',
    kind: s.kind,
    payment_id: s.paymentId,
    status: s.status,
    amount: money(s.amount),
    amount_returned: money(s.amountReturned),
    currency: s.currency,
    finish: s.finish,
    receivers: s.receivers.map((l) => ({
      type: l.type,
      account: l.account,
      amount: money(l.amount),
      description: l.description,
      platform: l.platform,
      amount_returned: money(l.returned),
      result: l.result ?? null,
    })),
    ...(returns ? { returns: returns.map(toSplitReturnResponse) } : {}),
    failure_code: s.failureCode,
    failure_message: s.failureMessage,
    succeeded_at: iso(s.succeededAt),
    created_at: iso(s.createdAt)!,
  };
}
