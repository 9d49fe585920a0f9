import { LedgerService } from '../../src/modules/ledger/ledger.service';
import { expectErrorShape, http } from '../utils/http';
import { TEST_ADMIN_TOKEN, TestApp, startTestApp } from '../utils/test-app';

const M = 'mch_01jb8y3k2m9x7q4w5e6r7t8ledg';

describe('admin ledger API (e2e)', () => {
  let t: TestApp;
  let ledger: LedgerService;
  let paymentEntryId: string;
  const admin = (method: string, path: string, body?: unknown, token = TEST_ADMIN_TOKEN) =>
    http(method, `${t.baseUrl}/admin/v1/ledger${path}`, { body, token });

  beforeAll(async () => {
    t = await startTestApp();
    ledger = t.app.get(LedgerService);
    const pay = (id: string, gross: bigint, fee: bigint) =>
      ledger.post(t.dataSource.manager, {
        externalId: `payment:${id}:captured`,
        type: 'payment.captured',
        referenceType: 'payment',
        referenceId: id,
        merchantId: M,
        postings: [
          {
            account: { code: 'provider_clearing', currency: 'CNY', subkey: 'alipay' },
            direction: 'debit',
            amount: gross,
          },
          {
            account: { code: 'merchant_pending', currency: 'CNY', merchantId: M },
            direction: 'credit',
            amount: gross - fee,
          },
          { account: { code: 'platform_fee_revenue', currency: 'CNY' }, direction: 'credit', amount: fee },
        ],
      });
    paymentEntryId = (await pay('pay_e2e_1', 10000n, 60n)).entry.id;
    await pay('pay_e2e_2', 5000n, 30n);
    await ledger.post(t.dataSource.manager, {
      externalId: 'settlement:stl_e2e',
      type: 'settlement',
      referenceType: 'settlement',
      referenceId: 'stl_e2e',
      merchantId: M,
      postings: [
        { account: { code: 'merchant_pending', currency: 'CNY', merchantId: M }, direction: 'debit', amount: 9940n },
        { account: { code: 'merchant_available', currency: 'CNY', merchantId: M }, direction: 'credit', amount: 9940n },
      ],
    });
  });
  afterAll(() => t.close());

  it('lists accounts with balances as integers, filtered and paged by cursor', async () => {
    const all = await admin('GET', `/accounts?merchant_id=${M}`);
    expect(all.status).toBe(200);
    expect(all.body.data.map((a: { code: string }) => a.code).sort()).toEqual([
      'merchant_available',
      'merchant_pending',
    ]);
    const pending = all.body.data.find((a: { code: string }) => a.code === 'merchant_pending');
    expect(pending).toMatchObject({
      object: 'ledger_account',
      type: 'liability',
      normal_balance: 'credit',
      currency: 'CNY',
      merchant_id: M,
      non_negative: true,
      balance: 4970,
      debits_posted: 9940,
      credits_posted: 14910,
      posting_count: 3,
    });

    // A hot platform account is several rows (shards); its balance is their sum.
    const fee = await admin('GET', '/accounts?code=platform_fee_revenue&currency=CNY');
    expect(fee.body.data.length).toBeGreaterThan(0);
    for (const row of fee.body.data)
      expect(row).toMatchObject({
        code: 'platform_fee_revenue',
        merchant_id: null,
        non_negative: false,
        shard: expect.any(Number),
      });
    expect(new Set(fee.body.data.map((a: { shard: number }) => a.shard)).size).toBe(fee.body.data.length);
    expect(fee.body.data.reduce((sum: number, a: { balance: number }) => sum + a.balance, 0)).toBe(90);

    const page1 = await admin('GET', '/accounts?limit=2');
    expect(page1.body).toMatchObject({ has_more: true });
    const page2 = await admin('GET', `/accounts?limit=2&starting_after=${page1.body.data[1].id}`);
    expect(page2.body.data.map((a: { id: string }) => a.id)).not.toContain(page1.body.data[0].id);
    expect(page2.body.data.every((a: { id: string }) => a.id < page1.body.data[1].id)).toBe(true);

    expectErrorShape(await admin('GET', '/accounts?code=petty_cash'), 400, 'parameter_invalid');
    expectErrorShape(await admin('GET', '/accounts?limit=1000'), 400, 'parameter_invalid');
    expectErrorShape(await admin('GET', '/accounts?balance=1'), 400, 'parameter_unknown');
    expectErrorShape(await admin('GET', '/accounts/acct_doesnotexistdoesnotexist0'), 404, 'resource_missing');
  });

  it("prints an account's statement newest first with the running balance, paged by seq", async () => {
    const accounts = await admin('GET', `/accounts?merchant_id=${M}&code=merchant_pending`);
    const id = accounts.body.data[0].id;
    const s = await admin('GET', `/accounts/${id}/statement`);
    expect(s.status).toBe(200);
    expect(s.body.account).toMatchObject({ id, balance: 4970 });
    expect(
      s.body.data.map(
        (l: { seq: number; direction: string; amount: number; balance_after: number; reference_id: string }) => [
          l.seq,
          l.direction,
          l.amount,
          l.balance_after,
          l.reference_id,
        ],
      ),
    ).toEqual([
      [3, 'debit', 9940, 4970, 'stl_e2e'],
      [2, 'credit', 4970, 14910, 'pay_e2e_2'],
      [1, 'credit', 9940, 9940, 'pay_e2e_1'],
    ]);
    const page = await admin('GET', `/accounts/${id}/statement?limit=1&starting_after=3`);
    expect(page.body).toMatchObject({ has_more: true, data: [expect.objectContaining({ seq: 2 })] });
    expectErrorShape(await admin('GET', `/accounts/${id}/statement?starting_after=abc`), 400, 'parameter_invalid');
    expectErrorShape(await admin('GET', '/accounts/acct_doesnotexistdoesnotexist0/statement'), 404, 'resource_missing');
  });

  it('finds entries by business reference and by id', async () => {
    const byRef = await admin('GET', '/entries?reference_type=payment&reference_id=pay_e2e_1');
    expect(byRef.body.data).toHaveLength(1);
    expect(byRef.body.data[0]).toMatchObject({
      id: paymentEntryId,
      object: 'journal_entry',
      type: 'payment.captured',
      external_id: 'payment:pay_e2e_1:captured',
      merchant_id: M,
    });
    expect(byRef.body.data[0].postings).toHaveLength(3);
    expect((await admin('GET', `/entries/${paymentEntryId}`)).body).toEqual(byRef.body.data[0]);
    expect((await admin('GET', '/entries?reference_type=payment&reference_id=pay_none')).body).toEqual({ data: [] });
    expectErrorShape(await admin('GET', '/entries?reference_type=payment'), 400, 'parameter_invalid');
    expectErrorShape(await admin('GET', '/entries/je_doesnotexistdoesnotexist00'), 404, 'resource_missing');
  });

  it('shows a trial balance that nets to zero per currency', async () => {
    const tb = await admin('GET', '/trial-balance');
    expect(tb.status).toBe(200);
    expect(tb.body.balanced).toBe(true);
    const cny = tb.body.currencies.find((c: { currency: string }) => c.currency === 'CNY');
    expect(cny).toMatchObject({ debits: 24940, credits: 24940, net: 0, balanced: true });
    expect(cny.accounts).toEqual(
      expect.arrayContaining([
        { code: 'provider_clearing', type: 'asset', balance: 15000, debits: 15000, credits: 0 },
        { code: 'platform_fee_revenue', type: 'revenue', balance: 90, debits: 0, credits: 90 },
      ]),
    );
  });

  it('reverses an entry once for an admin, audits it, and refuses viewers and bad input', async () => {
    const viewer = await http('POST', `${t.baseUrl}/admin/v1/tokens`, {
      body: { name: 'ledger-viewer', role: 'viewer' },
      token: TEST_ADMIN_TOKEN,
    });
    expectErrorShape(
      await admin('POST', `/entries/${paymentEntryId}/reverse`, { reason: 'viewer tries' }, viewer.body.token),
      403,
      'admin_role_required',
    );
    expectErrorShape(
      await http('POST', `${t.baseUrl}/admin/v1/ledger/entries/${paymentEntryId}/reverse`, { body: { reason: 'x' } }),
      401,
    );
    expectErrorShape(await admin('POST', `/entries/${paymentEntryId}/reverse`, {}), 400, 'parameter_invalid');
    expectErrorShape(
      await admin('POST', `/entries/${paymentEntryId}/reverse`, { reason: 'x', amount: 5 }),
      400,
      'parameter_unknown',
    );
    expect(await ledger.entriesByReference('payment', 'pay_e2e_1')).toHaveLength(1);

    // The payment's 9940 was settled, so reversing it would take merchant_pending (4970) below zero.
    expectErrorShape(
      await admin('POST', `/entries/${paymentEntryId}/reverse`, { reason: 'too late' }),
      409,
      'insufficient_funds',
    );

    const second = (await ledger.entriesByReference('payment', 'pay_e2e_2'))[0];
    const reversed = await admin('POST', `/entries/${second.id}/reverse`, { reason: 'duplicate capture' });
    expect(reversed.status).toBe(201);
    expect(reversed.body).toMatchObject({
      type: 'reversal',
      reverses_entry_id: second.id,
      description: 'duplicate capture',
      reference_id: 'pay_e2e_2',
    });
    const again = await admin('POST', `/entries/${second.id}/reverse`, { reason: 'clicked twice' });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(reversed.body.id);
    expectErrorShape(
      await admin('POST', `/entries/${reversed.body.id}/reverse`, { reason: 'undo' }),
      409,
      'ledger_entry_not_reversible',
    );

    const audit = await http('GET', `${t.baseUrl}/admin/v1/audit-log?target_id=${second.id}`, {
      token: TEST_ADMIN_TOKEN,
    });
    expect(audit.body.data).toEqual([
      expect.objectContaining({ action: 'ledger_entry.reverse', target_type: 'ledger_entry', target_id: second.id }),
    ]);
    expect(audit.body.data[0].after).toMatchObject({ reason: 'duplicate capture', reversal: { id: reversed.body.id } });
    expect((await admin('GET', '/trial-balance')).body.balanced).toBe(true);
    expect((await ledger.verifyBalances()).drift).toEqual([]);
  });
});
