import type { SplitOutcome, SplitReceiver } from '../provider.port';
import { fromJsonInteger } from '../minor-units.util';

type Json = Record<string, any>;

/** WeChat's receiver types for ours: a merchant id, or a person by openid under the (sp_)appid. */
export const wechatReceiverType = (r: SplitReceiver): 'MERCHANT_ID' | 'PERSONAL_OPENID' =>
  r.type === 'merchant' ? 'MERCHANT_ID' : 'PERSONAL_OPENID';

const LINE_RESULT: Record<string, 'succeeded' | 'failed' | 'pending'> = {
  SUCCESS: 'succeeded',
  CLOSED: 'failed',
  PENDING: 'pending',
};

/**
 * A profit-sharing order (orders, orders/{out_order_no}, orders/unfreeze):
 * state PROCESSING is pending; FINISHED is done, each receiver SUCCESS or
 * CLOSED (with fail_reason). A line still PENDING keeps the whole pending.
 */
export function splitOrderOutcome(json: Json, requested?: string[]): SplitOutcome {
  const lines = (Array.isArray(json.receivers) ? (json.receivers as Json[]) : [])
    .filter((r) => !requested || requested.includes(String(r.account)))
    .map((r) => ({
      account: String(r.account),
      amount: fromJsonInteger(r.amount),
      result: LINE_RESULT[r.result] ?? 'pending',
      ...(r.fail_reason ? { failReason: String(r.fail_reason) } : {}),
    }));
  const finished = json.state === 'FINISHED' && lines.every((l) => l.result !== 'pending');
  const allFailed = finished && lines.length > 0 && lines.every((l) => l.result === 'failed');
  return {
    status: !finished ? 'pending' : allFailed ? 'failed' : 'succeeded',
    providerSplitTransactionId: json.order_id,
    receivers: lines,
    providerCode: json.state,
    ...(allFailed ? { providerMessage: lines.map((l) => l.failReason).join(', ') } : {}),
    raw: json,
  };
}

const RETURN_RESULT: Record<string, SplitOutcome['status']> = {
  PROCESSING: 'pending',
  SUCCESS: 'succeeded',
  FAILED: 'failed',
};

/** A return order (return-orders): result PROCESSING, SUCCESS or FAILED (fail_reason). */
export function returnOrderOutcome(json: Json): SplitOutcome {
  return {
    status: RETURN_RESULT[json.result] ?? 'unknown',
    providerSplitTransactionId: json.return_id,
    providerCode: json.result,
    ...(json.fail_reason ? { providerMessage: String(json.fail_reason) } : {}),
    raw: json,
  };
}
