import { newId } from '../../src/common/ids/ids.util';
import { LedgerService } from '../../src/modules/ledger/ledger.service';
import type { Payment } from '../../src/modules/payments/entities/payment.entity';
import type { Refund } from '../../src/modules/payments/entities/refund.entity';
import {
  RefundSource,
  paymentCapturedEntry,
  refundSucceededEntry,
} from '../../src/modules/payments/payment-ledger.util';
import { feeFor } from '../../src/modules/payments/payment-money.util';
import { SettlementsService } from '../../src/modules/settlements/settlements.service';
import { http } from './http';
import { TEST_ADMIN_TOKEN, TestApp } from './test-app';

/** Settlement tests drive the scheduler themselves (tick(now)); the loop must not race them. */
export const SETTLEMENT_TEST_ENV = { SETTLEMENT_POLL_MS: '3600000' };

export const ADMIN = { actor: 'atk_test' };

export async function createMerchant(
  t: TestApp,
  body: { timezone?: string; fee_bps?: number; settlement_delay_days?: number } = {},
): Promise<string> {
  const res = await http<{ id: string }>('POST', `${t.baseUrl}/admin/v1/merchants`, {
    token: TEST_ADMIN_TOKEN,
    body: { name: 'Settlement Co', ...body },
  });
  if (res.status !== 201) throw new Error(`merchant: ${res.status} ${res.text}`);
  return res.body.id;
}

/** The instant of a local wall-clock time in a timezone, by PostgreSQL's tz database (the one settlement uses). */
export async function localInstant(t: TestApp, wallClock: string, timezone: string): Promise<Date> {
  const [row] = await t.dataSource.query(`SELECT ($1::timestamp AT TIME ZONE $2) AS at`, [wallClock, timezone]);
  return row.at;
}

export const settlements = (t: TestApp) => t.app.get(SettlementsService);
export const ledger = (t: TestApp) => t.app.get(LedgerService);

export interface PostedPayment {
  id: string;
  merchantId: string;
  amount: bigint;
  fee: bigint;
  channel: string;
  currency: string;
}

/** A captured payment's ledger entry exactly as payments posts it, at a chosen business time. */
export async function postPayment(
  t: TestApp,
  p: { merchantId: string; amount: bigint; feeBps: number; at: Date; channel?: string; currency?: string; id?: string },
): Promise<PostedPayment> {
  const payment = {
    id: p.id ?? newId('pay'),
    merchantId: p.merchantId,
    currency: p.currency ?? 'CNY',
    channel: p.channel ?? 'alipay_qr',
    succeededAt: p.at,
  } as Payment;
  const fee = feeFor(p.amount, p.feeBps);
  await ledger(t).post(t.dataSource.manager, paymentCapturedEntry(payment, p.amount, fee, p.at));
  return {
    id: payment.id,
    merchantId: p.merchantId,
    amount: p.amount,
    fee,
    channel: payment.channel,
    currency: payment.currency,
  };
}

/**
 * A refund's ledger entry as refunds posts it (RefundsService.postRefund): from pending, or from available when
 * pending cannot cover it, or split across both (all of pending, the rest from available) when neither alone
 * does. When even both together fall short the product keeps the refund pending (the ledger refuses the entry);
 * this answers undefined then, and nothing was posted.
 */
export async function postRefund(
  t: TestApp,
  payment: PostedPayment,
  amount: bigint,
  feeBack: bigint,
  at: Date,
): Promise<{ id: string; from: 'merchant_pending' | 'merchant_available' | 'split' } | undefined> {
  const p = {
    id: payment.id,
    merchantId: payment.merchantId,
    currency: payment.currency,
    channel: payment.channel,
  } as Payment;
  const r = { id: newId('re'), currency: payment.currency, amount, succeededAt: at } as Refund;
  const share = amount - feeBack;
  const pending = await balanceOf(t, payment.merchantId, 'merchant_pending', payment.currency);
  const fromPending = pending > share ? share : pending > 0n ? pending : 0n;
  const tries: Array<['merchant_pending' | 'merchant_available' | 'split', RefundSource]> = [
    ['merchant_pending', 'merchant_pending'],
    ['merchant_available', 'merchant_available'],
    ['split', { pending: fromPending, available: share - fromPending }],
  ];
  for (const [from, source] of tries) {
    try {
      await ledger(t).post(t.dataSource.manager, refundSucceededEntry(p, r, feeBack, source, at));
      return { id: r.id, from };
    } catch (err) {
      if ((err as { code?: string }).code !== 'insufficient_funds') throw err;
    }
  }
  return undefined;
}

export async function balanceOf(
  t: TestApp,
  merchantId: string,
  code: 'merchant_pending' | 'merchant_available' | 'merchant_payouts_in_transit',
  currency = 'CNY',
): Promise<bigint> {
  return ledger(t).accountBalance({ code, currency, merchantId });
}

export async function linesOf(t: TestApp, settlementId: string): Promise<string[]> {
  const rows: Array<{ reference_id: string }> = await t.dataSource.query(
    `SELECT reference_id FROM settlement_lines WHERE settlement_id = $1 ORDER BY id`,
    [settlementId],
  );
  return rows.map((r) => r.reference_id);
}
