import { qrSvgDataUrl } from '../../common/qr/qr-svg.util';
import type { NextAction } from '../providers/provider.port';
import type {
  AdminRefundResponseDto,
  NextActionDto,
  PaymentResponseDto,
  RefundResponseDto,
  TimelineEntryDto,
} from './dto/payment-response.dto';
import type { Payment } from './entities/payment.entity';
import type { PaymentTransition } from './entities/payment-transition.entity';
import type { Refund } from './entities/refund.entity';

const iso = (d: Date | null | undefined): string | null => (d ? new Date(d).toISOString() : null);
/** Amounts are capped far below 2^53 at the API edge, so a JSON number is exact. */
const money = (v: bigint): number => Number(v);

export function toRefundResponse(r: Refund): RefundResponseDto {
  return {
    id: r.id,
    object: 'refund',
    payment_id: r.paymentId,
    out_refund_no: r.outRefundNo,
    amount: money(r.amount),
    currency: r.currency,
    status: r.status,
    reason: r.reason,
    fee_refunded: money(r.feeRefunded),
    failure_code: r.failureCode,
    failure_message: r.failureMessage,
    succeeded_at: iso(r.succeededAt),
    created_at: iso(r.createdAt)!,
  };
}

export function toAdminRefundResponse(r: Refund): AdminRefundResponseDto {
  return {
    ...toRefundResponse(r),
    merchant_id: r.merchantId,
    attention: r.attention,
    attention_since: iso(r.attentionSince),
    provider_refund_id: r.providerRefundId,
  };
}

export function toTimelineEntry(t: PaymentTransition): TimelineEntryDto {
  return {
    from: t.fromStatus,
    to: t.toStatus,
    cause: t.cause,
    actor: t.actor,
    refund_id: t.refundId,
    detail: t.detail,
    at: iso(t.createdAt)!,
  };
}

/** A QR code's content also comes drawn, so a merchant's page needs no QR library of its own. */
function toNextAction(a: NextAction): NextActionDto {
  return a.type === 'qr_code' ? { ...a, qr_code_image: qrSvgDataUrl(a.qr_code) } : a;
}

export function toPaymentResponse(
  p: Payment,
  expand: { refunds?: Refund[]; timeline?: PaymentTransition[] } = {},
): PaymentResponseDto {
  return {
    id: p.id,
    object: 'payment',
    app_id: p.appId,
    out_trade_no: p.outTradeNo,
    amount: money(p.amount),
    currency: p.currency,
    channel: p.channel,
    status: p.status,
    subject: p.subject,
    description: p.description,
    capture_method: p.captureMethod,
    profit_sharing: p.profitSharing ?? false,
    split_state: p.splitState ?? null,
    amount_split: money(p.amountSplit ?? 0n),
    amount_split_returned: money(p.amountSplitReturned ?? 0n),
    amount_captured: money(p.amountCaptured),
    amount_refunded: money(p.amountRefunded),
    fee: money(p.feeAmount),
    money_mode: p.moneyMode ?? 'collected',
    metadata: p.metadata ?? {},
    return_url: p.returnUrl,
    payer: p.payer,
    card: p.card,
    next_action: p.nextAction ? toNextAction(p.nextAction) : null,
    provider_transaction_id: p.providerTransactionId,
    failure_code: p.failureCode,
    failure_message: p.failureMessage,
    expires_at: iso(p.expiresAt)!,
    succeeded_at: iso(p.succeededAt),
    closed_at: iso(p.closedAt),
    created_at: iso(p.createdAt)!,
    updated_at: iso(p.updatedAt)!,
    version: p.version,
    ...(expand.refunds ? { refunds: expand.refunds.map(toRefundResponse) } : {}),
    ...(expand.timeline ? { timeline: expand.timeline.map(toTimelineEntry) } : {}),
  };
}
