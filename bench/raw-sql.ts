import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { newId } from '../src/common/ids/ids.util';
import { summarize, LatencySummary } from './lib/stats';

/**
 * Ceiling A of `npm run bench`: the rows one signed create-payment leaves in
 * PostgreSQL, written from Node with `pg` and no framework, at the same
 * concurrency as the HTTP scenario. What the app writes per create (read off
 * the code path: signature guard, idempotency interceptor,
 * PaymentsService.create with a sandbox channel answering "pending"):
 *   - request_nonces: one row (the nonce claim);
 *   - idempotency_keys: one row, completed with the response status and body;
 *   - payments: one row, in its final state after the provider answered
 *     (provider_state created, next_action with the QR code).
 * A pending payment writes no timeline row, ledger entry or event (those come
 * with the first status change). Here all three rows go in ONE transaction
 * (BEGIN, 3 INSERTs, COMMIT: one fsync), the least a durable create can cost;
 * the app needs more statements because the provider call sits between
 * "write intent" and "record the outcome" and the idempotency key must be
 * visible before the handler runs.
 */
export interface RawSqlResult extends LatencySummary {
  throughput: number;
  errors: number;
  concurrency: number;
  seconds: number;
}

const RESPONSE_BODY = JSON.stringify({
  id: 'pay_x',
  object: 'payment',
  status: 'pending',
  amount: 1000,
  currency: 'CNY',
  channel: 'alipay_qr',
  subject: 'Bench order',
  description: null,
  capture_method: 'automatic',
  amount_captured: 0,
  amount_refunded: 0,
  fee_amount: 0,
  metadata: {},
  next_action: { type: 'qr_code', qr_code: 'http://127.0.0.1:3000/sandbox/alipay/qr/0123456789abcdef0123456789abcdef' },
  failure_code: null,
  failure_message: null,
  expires_at: new Date().toISOString(),
  created_at: new Date().toISOString(),
  updated_at: new Date().toISOString(),
});

export async function runRawSqlCeiling(opts: {
  url: string;
  merchantId: string;
  appId: string;
  concurrency: number;
  durationMs: number;
}): Promise<RawSqlResult> {
  const pool = new Pool({ connectionString: opts.url, max: opts.concurrency, application_name: 'paygrid-bench-raw' });
  const latencies: number[] = [];
  let errors = 0;
  const run = randomBytes(4).toString('hex');
  const one = async (w: number, i: number): Promise<void> => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO request_nonces (app_id, merchant_id, nonce, expires_at) VALUES ($1, $2, $3, now() + interval '10 minutes')`,
        [opts.appId, opts.merchantId, randomBytes(16).toString('hex')],
      );
      await client.query(
        `INSERT INTO idempotency_keys (app_id, merchant_id, idempotency_key, request_hash, request_id, status, response_status, response_body, locked_until, created_at, completed_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, 'completed', 201, $6, now() + interval '5 minutes', now(), now(), now() + interval '24 hours')`,
        [
          opts.appId,
          opts.merchantId,
          `raw-${run}-${w}-${i}`,
          randomBytes(32).toString('hex'),
          newId('req'),
          RESPONSE_BODY,
        ],
      );
      const now = new Date();
      await client.query(
        `INSERT INTO payments (id, merchant_id, app_id, out_trade_no, channel, amount, currency, status, subject, description, capture_method,
           amount_captured, amount_refunded, amount_refund_reserved, fee_amount, fee_refunded, metadata, return_url, payer, card, next_action,
           provider_transaction_id, provider_state, failure_code, failure_message, late_success, expires_at, next_check_at, check_attempts, version,
           succeeded_at, closed_at, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'alipay_qr', 1000, 'CNY', 'pending', 'Bench order', NULL, 'automatic', 0, 0, 0, 0, 0, '{}', NULL, NULL, NULL, $5,
           NULL, 'created', NULL, NULL, false, $6, $7, 0, 0, NULL, NULL, $8, $8)`,
        [
          newId('pay'),
          opts.merchantId,
          opts.appId,
          `raw-${run}-${w}-${i}`,
          JSON.stringify({ type: 'qr_code', qr_code: 'http://127.0.0.1:3000/sandbox/alipay/qr/0123456789abcdef' }),
          new Date(now.getTime() + 7_200_000),
          new Date(now.getTime() + 600_000),
          now,
        ],
      );
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  };
  // Warm the pool so connection setup is not timed.
  await Promise.all(Array.from({ length: opts.concurrency }, () => pool.query('SELECT 1')));
  const started = process.hrtime.bigint();
  const deadline = Date.now() + opts.durationMs;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async (_, w) => {
      for (let i = 0; Date.now() < deadline; i++) {
        const t0 = process.hrtime.bigint();
        try {
          await one(w, i);
          latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
        } catch {
          errors++;
        }
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await pool.end();
  return {
    ...summarize(latencies),
    throughput: Math.round(latencies.length / seconds),
    errors,
    concurrency: opts.concurrency,
    seconds,
  };
}
