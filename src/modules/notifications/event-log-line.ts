import type { EventEnvelope } from '@paygrid/contracts';
import { formatMajor } from '../../common/money/major-units.util';

/**
 * One readable line per domain event for the log ("payment pay_… succeeded (alipay_qr, 100.00 CNY)"): a developer
 * watching the console sees state change, not only access lines. Only ids, channels, amounts and codes: never a
 * payer's or a merchant's data beyond that.
 */
export function eventLogLine(e: EventEnvelope): string {
  const o = e.data.object;
  const [kind, verb] = e.type.split('.');
  if (e.type === 'webhook_endpoint.disabled')
    return `webhook endpoint of ${o.id} disabled: ${String(o.disabled_reason)}`;
  const details: string[] = [];
  if (typeof o.channel === 'string') details.push(o.channel);
  const money = moneyOf(o);
  if (money) details.push(typeof o.payment_id === 'string' ? `${money} of ${o.payment_id}` : money);
  const code = typeof o.failure_code === 'string' ? `: ${o.failure_code}` : '';
  return `${kind} ${o.id} ${verb}${details.length ? ` (${details.join(', ')})` : ''}${code}`;
}

function moneyOf(o: Record<string, unknown>): string | undefined {
  const amount = o.amount ?? o.net_amount;
  if (typeof o.currency !== 'string' || (typeof amount !== 'number' && typeof amount !== 'string')) return undefined;
  try {
    return `${formatMajor(BigInt(amount), o.currency)} ${o.currency}`;
  } catch {
    return undefined;
  }
}

/** A webhook endpoint as the log shows it: scheme, host and path; a query or user-info may carry a merchant's token. */
export function endpointForLog(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(no endpoint)';
  }
}

/** "15 s", "2 min", "3 h": when the next attempt of a webhook is due. */
export function humanDelay(ms: number): string {
  if (ms < 1_000) return `${ms} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1_000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}
