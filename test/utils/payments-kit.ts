import { generateKeyPairSync } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { PaygridClient } from '@paygrid/sdk';
import { waitFor } from './http';

/** Test-time settings that make the sandbox and the resolver fast (schedules compressed, not skipped). */
export const FAST_SANDBOX_ENV = {
  SANDBOX_TIME_COMPRESSION: '10000',
  SANDBOX_HANG_MS: '3000',
  PROVIDER_TIMEOUT_MS: '1000',
  RESOLVER_BASE_MS: '100',
  RESOLVER_POLL_MS: '50',
};

export const card = (number: string) => ({ number, exp_month: 12, exp_year: 2030, cvc: '123' });

/** The payer acts on the simulator's page, as a person or script would. */
export async function payerActs(
  url: string,
  outcome: 'success' | 'fail',
  extra: Record<string, unknown> = {},
): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...extra, outcome }),
  });
  await res.text();
  return res.status;
}

/** Pays a payment's next_action the way each channel's payer would. */
export async function pay(baseUrl: string, payment: any, outcome: 'success' | 'fail' = 'success'): Promise<number> {
  const a = payment.next_action;
  if (!a) throw new Error(`payment ${payment.id} has no next_action`);
  if (a.type === 'qr_code') return payerActs(a.qr_code, outcome);
  if (a.type === 'redirect' || a.type === 'three_d_secure') return payerActs(a.url, outcome);
  // The apps' SDKs: Alipay's takes the signed order string, WeChat's OpenSDK the signed PayReq.
  if (a.type === 'alipay_app')
    return payerActs(`${baseUrl}/sandbox/alipay/app/pay`, outcome, { order_string: a.order_string });
  if (a.type === 'wechat_app') return payerActs(`${baseUrl}/sandbox/wechatpay/app/pay`, outcome, a.params);
  return payerActs(`${baseUrl}/sandbox/wechatpay/jsapi/pay`, outcome, a.params);
}

export async function waitForStatus(
  client: PaygridClient,
  id: string,
  status: string,
  path = '/v1/payments',
): Promise<any> {
  return waitFor(
    async () => {
      const p = await client.get<any>(`${path}/${id}`);
      return p.status === status ? p : undefined;
    },
    { what: `${id} to be ${status}`, timeoutMs: 15_000 },
  );
}

export async function count(ds: DataSource, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await ds.query(`SELECT count(*)::int AS n FROM (${sql}) q`, params);
  return row.n;
}

/** Ledger entries and outbox events about one business object. */
export async function effectsOf(ds: DataSource, referenceId: string): Promise<{ entries: number; events: string[] }> {
  const entries = await count(ds, 'SELECT 1 FROM ledger_entries WHERE reference_id = $1', [referenceId]);
  const events: Array<{ type: string }> = await ds.query(
    `SELECT type FROM events WHERE object->>'id' = $1 ORDER BY id`,
    [referenceId],
  );
  return { entries, events: events.map((e) => e.type) };
}

export async function trialBalanceIsZero(ds: DataSource): Promise<boolean> {
  const rows: Array<{ net: string }> = await ds.query(
    `SELECT currency, sum(CASE WHEN direction = 'debit' THEN amount ELSE -amount END)::text AS net FROM ledger_postings GROUP BY currency`,
  );
  return rows.every((r) => r.net === '0');
}

export const rsaKeyPair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });

/** A merchant's ledger accounts and their balances (summed over shards), keyed `code` or `code:subkey`. */
export async function merchantLedger(ds: DataSource, merchantId: string): Promise<Record<string, number>> {
  const rows: Array<{ code: string; subkey: string | null; balance: string }> = await ds.query(
    `SELECT code, subkey, sum(balance)::text AS balance FROM ledger_accounts WHERE merchant_id = $1 GROUP BY code, subkey`,
    [merchantId],
  );
  return Object.fromEntries(rows.map((r) => [r.subkey ? `${r.code}:${r.subkey}` : r.code, Number(r.balance)]));
}
