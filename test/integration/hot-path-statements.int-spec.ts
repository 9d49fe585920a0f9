import { canonicalRef, shardFor } from '../../src/modules/ledger/journal.util';
import { LedgerRepository } from '../../src/modules/ledger/ledger.repository';
import { TestApp, startTestApp } from '../utils/test-app';
import { OnboardedMerchant, onboardMerchant } from '../utils/merchant-fixture';
import { FAST_SANDBOX_ENV, effectsOf, pay } from '../utils/payments-kit';
import { waitFor } from '../utils/http';
import { ServedRequest, StatementCounter, countOf } from '../utils/statement-counter';

/**
 * The SQL round trips of the three hot paths (docs/hot-path.md "Statements per
 * request"), counted on the real app: every statement a request issues
 * through the pool is a round trip, and every autocommit statement or COMMIT
 * is a commit PostgreSQL must make durable. The counts are exact on purpose:
 * a change that adds a round trip fails here and must update the numbers and
 * the doc with a reason.
 */
describe('statements per hot-path request (integration, real PostgreSQL)', () => {
  let t: TestApp;
  let m: OnboardedMerchant;
  let counter: StatementCounter;
  let n = 0;
  const createBody = () => ({
    out_trade_no: `stmt-${++n}-${Date.now()}`,
    amount: 1000,
    currency: 'CNY',
    channel: 'alipay_qr',
    subject: 'Statements',
  });
  const create = () => m.client.post<any>('/v1/payments', createBody(), { idempotencyKey: `idem-stmt-${n}` });

  const show = (label: string, r: ServedRequest) => {
    const c = countOf(r);
    return `${label}: ${c.statements} statements, ${c.begins} BEGIN, ${c.commits} COMMIT\n${r.statements
      .map((s) => `    ${s.replace(/\s+/g, ' ').slice(0, 110)}`)
      .join('\n')}`;
  };

  const answered = () => counter.find('POST', /^\/callbacks\/alipay$/).find((r) => r.finished && r.status === 200);

  /**
   * A running process knows every account a capture posts to. The platform accounts are spread over 8 shard rows
   * picked by the entry's external id, so one warm-up capture does not cover them: open and cache them all here.
   */
  const warmLedgerAccounts = async () => {
    const ledger = t.app.get(LedgerRepository);
    const refs = [
      canonicalRef({ code: 'merchant_pending', currency: 'CNY', merchantId: m.merchantId }),
      ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((slot) => [
        shardFor(canonicalRef({ code: 'provider_clearing', currency: 'CNY', subkey: 'alipay' }), slot),
        shardFor(canonicalRef({ code: 'platform_fee_revenue', currency: 'CNY' }), slot),
      ]),
    ];
    await ledger.openAccounts(t.dataSource.manager, refs);
    expect((await ledger.existingAccounts(t.dataSource.manager, refs)).size).toBe(refs.length);
  };

  beforeAll(async () => {
    t = await startTestApp(FAST_SANDBOX_ENV);
    m = await onboardMerchant(t, { merchant: { fee_bps: 60 } });
    counter = new StatementCounter(t.app.getHttpServer());
    // Warm: the key, app and merchant are in the config cache, the pool has idle connections, and the app's
    // rate-limit lease (one statement per 60 requests by default) was taken by these requests, not the measured ones.
    // The first capture of a merchant also creates its ledger accounts: the warm payment is paid too.
    const warm = await create();
    await m.client.get(`/v1/payments/${warm.id}`);
    expect(await pay(t.baseUrl, warm)).toBeLessThan(300);
    await waitFor(async () => answered(), { what: 'the warm-up notification to be answered' });
    await warmLedgerAccounts();
    counter.reset();
  });
  afterAll(async () => {
    counter?.restore();
    await t.close();
  });

  it('a warm signed create, a signed GET and the provider callback cost exactly the statements documented', async () => {
    const payment = await create();
    expect(payment).toMatchObject({ status: 'pending', next_action: { type: 'qr_code' } });
    const [created] = counter.find('POST', /^\/v1\/payments$/);

    await m.client.get(`/v1/payments/${payment.id}`);
    const [read] = counter.find('GET', /^\/v1\/payments\/pay_/);

    expect(await pay(t.baseUrl, payment)).toBeLessThan(300);
    const callback = await waitFor(async () => answered(), { what: 'the Alipay notification to be answered' });
    expect(await effectsOf(t.dataSource, payment.id)).toEqual({ entries: 1, events: ['payment.succeeded'] });

    process.stdout.write(
      `\nstatements per hot-path request\n${show('signed create (alipay_qr, Idempotency-Key)', created)}\n${show(
        'signed GET payment',
        read,
      )}\n${show('Alipay payment callback', callback)}\n`,
    );

    expect({ create: countOf(created), get: countOf(read), callback: countOf(callback) }).toEqual({
      create: { statements: 5, begins: 0, commits: 5 },
      get: { statements: 2, begins: 0, commits: 2 },
      callback: { statements: 8, begins: 1, commits: 2 },
    });
  });
});
