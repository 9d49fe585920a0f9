import type { EventEnvelope } from '@paygrid/contracts';
import { ChannelModel, connect } from 'amqplib';
import { EVENT_BUS, EventBus } from '../../src/modules/notifications/event-bus';
import { NotificationsMetrics } from '../../src/modules/notifications/notifications.metrics';
import { BankSimulator } from '../../src/modules/sandbox/bank/bank.simulator';
import { AMQP_URL, AmqpObserver, FAST_EVENTS_ENV, testNamespace } from '../utils/events-kit';
import { http, waitFor } from '../utils/http';
import { FAST_SANDBOX_ENV, count, trialBalanceIsZero } from '../utils/payments-kit';
import {
  ADMIN,
  SETTLEMENT_TEST_ENV,
  balanceOf,
  createMerchant,
  localInstant,
  postPayment,
  settlements,
} from '../utils/settlement-kit';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';

let day = 0;
/** A settled day for a fresh merchant: its net is in available and settlement.completed is on its way over RabbitMQ. */
async function settledMerchant(t: TestApp, amount: bigint): Promise<{ merchantId: string; settlementId: string }> {
  const merchantId = await createMerchant(t);
  const d = `2025-07-${String(++day).padStart(2, '0')}`;
  await postPayment(t, { merchantId, amount, feeBps: 0, at: await localInstant(t, `${d} 10:00:00`, 'Asia/Shanghai') });
  const { settlement } = await settlements(t).settleDay(merchantId, 'CNY', d, ADMIN);
  return { merchantId, settlementId: settlement!.id };
}

const payoutOf = (t: TestApp, settlementId: string) =>
  t.dataSource
    .query(`SELECT id, status, amount::text, failure_code, bank_reference FROM payouts WHERE settlement_id = $1`, [
      settlementId,
    ])
    .then((r) => r[0]);

async function consumed(t: TestApp, outcome: 'applied' | 'duplicate'): Promise<number> {
  const metric = await t.app.get(NotificationsMetrics).consumed.get();
  return metric.values.find((v) => v.labels.consumer === 'payouts' && v.labels.outcome === outcome)?.value ?? 0;
}

/** Payouts: settlement.completed over RabbitMQ → one payout → sandbox bank → paid or failed (integration, real PostgreSQL and RabbitMQ). */
describe('payouts (integration)', () => {
  const ns = testNamespace('payouts');
  let t: TestApp;
  let bank: BankSimulator;
  let observer: AmqpObserver;
  let amqp: ChannelModel;

  beforeAll(async () => {
    observer = new AmqpObserver(ns);
    await observer.start('payout.#');
    t = await startTestApp({
      ...FAST_SANDBOX_ENV,
      ...FAST_EVENTS_ENV,
      ...SETTLEMENT_TEST_ENV,
      AMQP_URL,
      EVENTS_NAMESPACE: ns,
      PAYOUT_POLL_MS: '20',
    });
    expect(t.app.get<EventBus>(EVENT_BUS).kind).toBe('amqp');
    bank = t.app.get(BankSimulator);
    amqp = await connect(AMQP_URL);
  });
  afterAll(async () => {
    expect(await trialBalanceIsZero(t.dataSource)).toBe(true);
    await amqp.close();
    await t.close();
    await observer.cleanup(['payouts', 'webhooks']);
  });

  /** What a redelivery looks like to the consumer: the same bytes once more on the exchange. */
  async function publishAgain(envelope: EventEnvelope): Promise<void> {
    const ch = await amqp.createConfirmChannel();
    ch.publish(`${ns}.events`, envelope.type, Buffer.from(JSON.stringify(envelope)), {
      persistent: true,
      messageId: envelope.id,
      contentType: 'application/json',
    });
    await ch.waitForConfirms();
    await ch.close();
  }

  it('pays the available balance once, even when settlement.completed arrives twice (and again under a new event id)', async () => {
    const { merchantId, settlementId } = await settledMerchant(t, 98765n);
    const paid = await waitFor(
      async () => ((await payoutOf(t, settlementId))?.status === 'paid' ? payoutOf(t, settlementId) : undefined),
      { what: 'payout paid', timeoutMs: 15_000 },
    );
    expect(paid).toMatchObject({ amount: '98765', bank_reference: expect.stringMatching(/^BR/) });
    expect(bank.transfers.get(paid.id)).toMatchObject({ status: 'succeeded', amount: 98765n, merchantId });
    expect(await balanceOf(t, merchantId, 'merchant_available')).toBe(0n);
    expect(await balanceOf(t, merchantId, 'merchant_payouts_in_transit')).toBe(0n);
    await waitFor(
      async () =>
        observer.messages.find(
          (m) => m.envelope.type === 'payout.paid' && (m.envelope.data.object as any).id === paid.id,
        ),
      { what: 'payout.paid on RabbitMQ' },
    );

    const [row] = await t.dataSource.query(
      `SELECT id, type, created_at, merchant_id, app_id, aggregate_id, aggregate_sequence, object FROM events WHERE aggregate_id = $1`,
      [settlementId],
    );
    const envelope: EventEnvelope = {
      id: row.id,
      type: row.type,
      created_at: row.created_at.toISOString(),
      merchant_id: row.merchant_id,
      app_id: row.app_id,
      version: 1,
      aggregate_id: row.aggregate_id,
      aggregate_sequence: Number(row.aggregate_sequence),
      data: { object: row.object },
    };
    const duplicatesBefore = await consumed(t, 'duplicate');
    await publishAgain(envelope);
    await waitFor(async () => (await consumed(t, 'duplicate')) > duplicatesBefore, {
      what: 'the redelivery to be absorbed by the inbox',
    });
    const appliedBefore = await consumed(t, 'applied');
    await publishAgain({ ...envelope, id: 'evt_01replayedaaaaaaaaaaaaaaaa' });
    await waitFor(async () => (await consumed(t, 'applied')) > appliedBefore, {
      what: 'the replay under a new id to be handled',
    });

    expect(await count(t.dataSource, 'SELECT 1 FROM payouts WHERE merchant_id = $1', [merchantId])).toBe(1);
    expect(
      await count(t.dataSource, `SELECT 1 FROM ledger_entries WHERE reference_type = 'payout' AND merchant_id = $1`, [
        merchantId,
      ]),
    ).toBe(2);
    expect(bank.transfers.values().filter((x) => x.merchantId === merchantId)).toHaveLength(1);
  });

  it('a transfer the bank refuses fails the payout and returns the money to available', async () => {
    bank.setSwitches({ failNextCreate: 1 });
    const { merchantId, settlementId } = await settledMerchant(t, 5000n);
    const failed = await waitFor(
      async () => ((await payoutOf(t, settlementId))?.status === 'failed' ? payoutOf(t, settlementId) : undefined),
      { what: 'payout failed' },
    );
    expect(failed.failure_code).toBe('account_closed');
    expect(await balanceOf(t, merchantId, 'merchant_available')).toBe(5000n);
    expect(await balanceOf(t, merchantId, 'merchant_payouts_in_transit')).toBe(0n);
    expect(
      await count(t.dataSource, `SELECT 1 FROM events WHERE type = 'payout.failed' AND aggregate_id = $1`, [failed.id]),
    ).toBe(1);
  });

  it('a slow bank (answer lost to a timeout, or still processing) ends paid once, never sent twice', async () => {
    bank.setSwitches({ timeoutNext: 1 });
    const first = await settledMerchant(t, 4200n);
    const paid = await waitFor(
      async () =>
        (await payoutOf(t, first.settlementId))?.status === 'paid' ? payoutOf(t, first.settlementId) : undefined,
      { what: 'payout paid after the timeout', timeoutMs: 20_000 },
    );
    expect(bank.transfers.values().filter((x) => x.transferId === paid.id)).toHaveLength(1);

    bank.setSwitches({ asyncRefund: true, asyncRefundDelayMs: 300 });
    const second = await settledMerchant(t, 4300n);
    await waitFor(
      async () =>
        (await payoutOf(t, second.settlementId))?.status === 'in_transit' &&
        bank.transfers.values().some((x) => x.merchantId === second.merchantId),
      { what: 'transfer processing' },
    );
    expect(await balanceOf(t, second.merchantId, 'merchant_payouts_in_transit')).toBe(4300n);
    await waitFor(async () => (await payoutOf(t, second.settlementId))?.status === 'paid', {
      what: 'payout paid after processing',
      timeoutMs: 20_000,
    });
    bank.setSwitches({ asyncRefund: false });
  });

  it('a payout above PAYOUT_APPROVAL_THRESHOLD waits for an admin; approving sends it (audited), approving again changes nothing', async () => {
    const previous = t.config.settlements.payoutApprovalThreshold;
    t.config.settlements.payoutApprovalThreshold = 10_000n;
    try {
      const { merchantId, settlementId } = await settledMerchant(t, 10_001n);
      const waiting = await waitFor(
        async () =>
          (await payoutOf(t, settlementId))?.status === 'awaiting_approval' ? payoutOf(t, settlementId) : undefined,
        { what: 'payout awaiting approval' },
      );
      expect(await balanceOf(t, merchantId, 'merchant_available')).toBe(10_001n);
      const approve = () =>
        http('POST', `${t.baseUrl}/admin/v1/payouts/${waiting.id}/approve`, { token: TEST_ADMIN_TOKEN });
      const res = await approve();
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: waiting.id,
        status: 'in_transit',
        approval_required: true,
        approved_by: expect.stringMatching(/^atk_/),
      });
      await waitFor(async () => (await payoutOf(t, settlementId))?.status === 'paid', { what: 'approved payout paid' });
      expect((await approve()).status).toBe(200);
      expect(
        await count(t.dataSource, `SELECT 1 FROM audit_log WHERE action = 'payout.approve' AND target_id = $1`, [
          waiting.id,
        ]),
      ).toBe(1);
      expect(await balanceOf(t, merchantId, 'merchant_available')).toBe(0n);
      const list = await http('GET', `${t.baseUrl}/admin/v1/payouts?merchant_id=${merchantId}`, {
        token: TEST_ADMIN_TOKEN,
      });
      expect(list.body.data.map((p: any) => [p.id, p.status, p.amount])).toEqual([[waiting.id, 'paid', 10_001]]);
    } finally {
      t.config.settlements.payoutApprovalThreshold = previous;
    }
  });
});
