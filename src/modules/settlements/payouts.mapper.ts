import { jsonAmount } from '../ledger/ledger.mapper';
import type { PayoutResponseDto } from './dto/payout.dto';
import type { Payout } from './entities/payout.entity';

/** The payout as the admin API and the payout.* events show it. */
export const toPayoutResponse = (p: Payout): PayoutResponseDto => ({
  id: p.id,
  object: 'payout',
  merchant_id: p.merchantId,
  amount: jsonAmount(p.amount) as number,
  currency: p.currency,
  status: p.status,
  settlement_id: p.settlementId,
  bank_reference: p.bankReference,
  failure_code: p.failureCode,
  failure_message: p.failureMessage,
  approval_required: p.approvalRequired,
  approved_by: p.approvedBy,
  approved_at: p.approvedAt?.toISOString() ?? null,
  paid_at: p.paidAt?.toISOString() ?? null,
  failed_at: p.failedAt?.toISOString() ?? null,
  created_at: p.createdAt.toISOString(),
});
