import type { Client } from 'pg';
import { waitFor } from '../../utils/http';
import { ALL_ZERO, Invariants, invariants } from './invariants';
import type { CreatePayLoad } from './load';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (polling, with a deadline) until the invariants hold, and returns the last reading either way. */
export async function settledInvariants(db: Client, timeoutMs = 45_000): Promise<Invariants> {
  let last: Invariants = ALL_ZERO;
  await waitFor(
    async () => {
      last = await invariants(db);
      return Object.values(last).every((v) => v === 0);
    },
    { timeoutMs, intervalMs: 200, what: 'the invariants to hold' },
  ).catch(() => undefined);
  return last;
}

/** Accepted payments that are not in the database, and payments of the run beyond one per order. */
export async function lostAndDuplicated(
  db: Client,
  load: CreatePayLoad,
  outTradeNoPrefix: string,
): Promise<{ lost: number; duplicated: number; rows: number }> {
  const accepted = load.accepted();
  const ids = accepted.map((o) => o.paymentId!);
  const found = Number((await db.query(`SELECT count(*)::int AS n FROM payments WHERE id = ANY($1)`, [ids])).rows[0].n);
  const rows = Number(
    (await db.query(`SELECT count(*)::int AS n FROM payments WHERE out_trade_no LIKE $1`, [`${outTradeNoPrefix}%`]))
      .rows[0].n,
  );
  // Two orders answered with one payment, or one order's key giving two payments, are both duplicates.
  const distinctIds = new Set(ids).size;
  return { lost: ids.length - found, duplicated: ids.length - distinctIds + Math.max(0, rows - accepted.length), rows };
}

/** Seconds from `healAt` until every order begun before it was accepted (and paid, when the load pays). */
export function recoveredSeconds(load: CreatePayLoad, healAt: number): number {
  const caught = load.orders.filter((o) => o.startedAt < healAt);
  const done = caught.map((o) => o.paidAt ?? o.acceptedAt ?? Number.POSITIVE_INFINITY);
  const last = Math.max(healAt, ...done);
  return Math.round((last - healAt) / 100) / 10;
}

/** Accepted payments of the run that did not reach `succeeded` although their payer paid. */
export async function paidButNotSucceeded(db: Client, load: CreatePayLoad): Promise<string[]> {
  const paid = load.orders.filter((o) => o.paidAt !== undefined).map((o) => o.paymentId!);
  const rows = await db.query(`SELECT id FROM payments WHERE id = ANY($1) AND status <> 'succeeded'`, [paid]);
  return rows.rows.map((r) => r.id);
}
