import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import type { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { DomainError } from '../../src/common/errors/domain-error';
import { dataSourceOptions } from '../../src/database/data-source';
import { withTransaction } from '../../src/persistence/transaction.util';
import { LedgerReportsRepository } from '../../src/modules/ledger/ledger-reports.repository';
import { LedgerRepository } from '../../src/modules/ledger/ledger.repository';
import { JournalEntryInput, LedgerService, PostingInput } from '../../src/modules/ledger/ledger.service';
import { TestDatabase, createTestDatabase, rawClient } from '../utils/test-db';

const M = 'mch_01jb8y3k2m9x7q4w5e6r7t8y9u';
const clearing = (subkey = 'alipay') => ({ code: 'provider_clearing' as const, currency: 'CNY', subkey });
const pending = (merchantId = M) => ({ code: 'merchant_pending' as const, currency: 'CNY', merchantId });
const available = (merchantId = M) => ({ code: 'merchant_available' as const, currency: 'CNY', merchantId });
const inTransit = (merchantId = M) => ({ code: 'merchant_payouts_in_transit' as const, currency: 'CNY', merchantId });
const feeRevenue = { code: 'platform_fee_revenue' as const, currency: 'CNY' };
const bank = { code: 'platform_bank' as const, currency: 'CNY' };
const dr = (account: PostingInput['account'], amount: bigint): PostingInput => ({
  account,
  direction: 'debit',
  amount,
});
const cr = (account: PostingInput['account'], amount: bigint): PostingInput => ({
  account,
  direction: 'credit',
  amount,
});

const payment = (id: string, gross: bigint, fee: bigint, merchantId = M): JournalEntryInput => ({
  externalId: `payment:${id}:captured`,
  type: 'payment.captured',
  referenceType: 'payment',
  referenceId: id,
  merchantId,
  postings: [dr(clearing(), gross), cr(pending(merchantId), gross - fee), ...(fee > 0n ? [cr(feeRevenue, fee)] : [])],
});

async function expectDomainError(p: Promise<unknown>, code: string, status?: number): Promise<DomainError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  expect((err as DomainError).code).toBe(code);
  if (status) expect((err as DomainError).status).toBe(status);
  return err as DomainError;
}

describe('ledger (integration, real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let ledger: LedgerService;
  let pg: Client;
  let close: () => Promise<void>;

  const count = async (table: string): Promise<number> =>
    Number((await pg.query(`SELECT count(*) FROM ${table}`)).rows[0].count);
  const tx = <T>(fn: Parameters<typeof withTransaction<T>>[1]) => withTransaction(ds, fn);

  beforeAll(async () => {
    db = await createTestDatabase();
    const moduleRef = await Test.createTestingModule({
      imports: [TypeOrmModule.forRoot(dataSourceOptions(db.url, { poolSize: 5 }))],
      providers: [LedgerRepository, LedgerReportsRepository, LedgerService],
    }).compile();
    ds = moduleRef.get<DataSource>(getDataSourceToken());
    ledger = moduleRef.get(LedgerService);
    pg = await rawClient(db.url);
    close = () => moduleRef.close();
  });
  afterAll(async () => {
    await pg.end();
    await close();
    await db.drop();
  });

  it('has ledger tables exactly as the entities describe them', async () => {
    const { upQueries } = await ds.driver.createSchemaBuilder().log();
    const ledgerDrift = upQueries
      .map((q) => q.query)
      .filter((q) => /ledger_/.test(q) && !/^ALTER TABLE "\w+" DROP CONSTRAINT "\w+"$/.test(q));
    expect(ledgerDrift).toEqual([]);
  });

  it('posts a payment, opening accounts with the chart’s type and flags', async () => {
    const { entry, created } = await tx((m) => ledger.post(m, payment('pay_a1', 10000n, 60n)));
    expect(created).toBe(true);
    expect(entry.id).toMatch(/^je_[0-9a-z]{26}$/);
    expect(entry.postings).toHaveLength(3);
    expect(
      entry.postings.map((p) => [p.account.code, p.direction, p.amount, p.balanceAfter, p.accountSeq]).sort(),
    ).toEqual(
      [
        ['merchant_pending', 'credit', 9940n, 9940n, 1n],
        ['platform_fee_revenue', 'credit', 60n, 60n, 1n],
        ['provider_clearing', 'debit', 10000n, 10000n, 1n],
      ].sort(),
    );
    const accounts = (
      await pg.query(`SELECT code, type, non_negative, subkey, merchant_id FROM ledger_accounts ORDER BY code`)
    ).rows;
    expect(accounts).toEqual([
      { code: 'merchant_pending', type: 'liability', non_negative: true, subkey: null, merchant_id: M },
      { code: 'platform_fee_revenue', type: 'revenue', non_negative: false, subkey: null, merchant_id: null },
      { code: 'provider_clearing', type: 'asset', non_negative: false, subkey: 'alipay', merchant_id: null },
    ]);
    expect(await ledger.accountBalance(pending())).toBe(9940n);
    expect(await ledger.accountBalance(available())).toBe(0n);
    expect(await ledger.balances(M)).toEqual([{ currency: 'CNY', pending: 9940n, available: 0n, in_transit: 0n }]);
  });

  it('spreads the hot platform accounts over shards (concurrent payments do not queue on one row); their balance is the sum, merchant accounts stay one row', async () => {
    const merchant = 'mch_shards';
    const ids = Array.from({ length: 24 }, (_, i) => `pay_shard_${i}`);
    // Concurrently, each in its own transaction, as payment callbacks do.
    await Promise.all(ids.map((id) => tx((m) => ledger.post(m, payment(id, 1000n, 10n, merchant)))));
    const rows = (
      await pg.query(
        `SELECT code, shard, balance::text, posting_count::text FROM ledger_accounts WHERE code IN ('provider_clearing', 'platform_fee_revenue') OR merchant_id = $1`,
        [merchant],
      )
    ).rows as Array<{ code: string; shard: number; balance: string; posting_count: string }>;
    const of = (code: string) => rows.filter((r) => r.code === code);
    // 24 entries over 8 shards by external id: more than one row each, never more than 8.
    for (const code of ['provider_clearing', 'platform_fee_revenue']) {
      expect(of(code).length).toBeGreaterThan(1);
      expect(of(code).every((r) => r.shard >= 0 && r.shard < 8)).toBe(true);
    }
    expect(of('merchant_pending')).toEqual([
      expect.objectContaining({ shard: 0, balance: '23760', posting_count: '24' }),
    ]);
    // Earlier tests posted to the same platform accounts: compare with the postings, shard by shard and in sum.
    const sums = (
      await pg.query(
        `SELECT sum(balance)::text AS b FROM ledger_accounts WHERE code = 'platform_fee_revenue' AND currency = 'CNY'`,
      )
    ).rows[0].b;
    expect(await ledger.accountBalance(feeRevenue)).toBe(BigInt(sums));
    const before = await ledger.accountBalance(clearing());
    // A replay names the same shard and changes nothing; a different event may land elsewhere but counts once.
    const again = await tx((m) => ledger.post(m, payment(ids[0], 1000n, 10n, merchant)));
    expect(again.created).toBe(false);
    expect(await ledger.accountBalance(clearing())).toBe(before);
    const verify = await ledger.verifyBalances();
    expect(verify.drift).toEqual([]);
  });

  it('replays the worked example of docs/ledger.md: payment, partial refund, settlement, provider settlement, payout', async () => {
    const mch = 'mch_workedexampleworkedexampl';
    const refunds = { code: 'refunds_payable' as const, currency: 'CNY', subkey: 'alipay' };
    const providerFee = { code: 'provider_fee_expense' as const, currency: 'CNY', subkey: 'alipay' };
    const platform = [clearing(), feeRevenue, bank, refunds, providerFee];
    const before = await Promise.all(platform.map((a) => ledger.accountBalance(a)));
    const debitsBefore = (await ledger.trialBalance()).find((l) => l.currency === 'CNY')?.debits ?? 0n;
    const entry = (
      externalId: string,
      type: string,
      referenceType: string,
      referenceId: string,
      postings: PostingInput[],
    ) => tx((m) => ledger.post(m, { externalId, type, referenceType, referenceId, merchantId: mch, postings }));

    await entry('payment:pay_1:captured', 'payment.captured', 'payment', 'pay_1', [
      dr(clearing(), 10000n),
      cr(pending(mch), 9940n),
      cr(feeRevenue, 60n),
    ]);
    await entry('refund:re_1:accepted', 'refund.accepted', 'refund', 're_1', [
      dr(pending(mch), 2982n),
      dr(feeRevenue, 18n),
      cr(refunds, 3000n),
    ]);
    await entry('refund:re_1:succeeded', 'refund.succeeded', 'refund', 're_1', [
      dr(refunds, 3000n),
      cr(clearing(), 3000n),
    ]);
    await entry('settlement:stl_1', 'settlement', 'settlement', 'stl_1', [
      dr(pending(mch), 6958n),
      cr(available(mch), 6958n),
    ]);
    expect(await ledger.balances(mch)).toEqual([{ currency: 'CNY', pending: 0n, available: 6958n, in_transit: 0n }]);
    await entry(
      'provider_settlement:alipay:2025-11-26',
      'provider.settled',
      'provider_statement',
      'alipay:2025-11-26',
      [dr(bank, 6970n), dr(providerFee, 30n), cr(clearing(), 7000n)],
    );
    await entry('payout:po_1:initiated', 'payout.initiated', 'payout', 'po_1', [
      dr(available(mch), 6958n),
      cr(inTransit(mch), 6958n),
    ]);
    expect(await ledger.balances(mch)).toEqual([{ currency: 'CNY', pending: 0n, available: 0n, in_transit: 6958n }]);
    await entry('payout:po_1:paid', 'payout.paid', 'payout', 'po_1', [dr(inTransit(mch), 6958n), cr(bank, 6958n)]);

    expect(await ledger.balances(mch)).toEqual([{ currency: 'CNY', pending: 0n, available: 0n, in_transit: 0n }]);
    const after = await Promise.all(platform.map((a) => ledger.accountBalance(a)));
    // clearing 0, fee revenue 42, bank 12, refunds payable 0, provider fee 30: the platform kept 42 - 30 = 12.
    expect(after.map((b, i) => b - before[i])).toEqual([0n, 42n, 12n, 0n, 30n]);
    const cny = (await ledger.trialBalance()).find((l) => l.currency === 'CNY')!;
    expect(cny.debits - debitsBefore).toBe(43874n);
    expect(cny.net).toBe(0n);
  });

  it('returns the first entry for a repeated external id and changes nothing', async () => {
    const first = await tx((m) => ledger.post(m, payment('pay_dup', 500n, 5n)));
    const before = {
      entries: await count('ledger_entries'),
      postings: await count('ledger_postings'),
      pending: await ledger.accountBalance(pending()),
    };
    const again = await tx((m) => ledger.post(m, payment('pay_dup', 500n, 5n)));
    expect(again).toEqual({ created: false, entry: first.entry });
    // Within one transaction too.
    await tx(async (m) => {
      expect((await ledger.post(m, payment('pay_dup', 500n, 5n))).created).toBe(false);
    });
    expect({
      entries: await count('ledger_entries'),
      postings: await count('ledger_postings'),
      pending: await ledger.accountBalance(pending()),
    }).toEqual(before);
  });

  it('refuses the same external id for a different amount, as a caller bug', async () => {
    await tx((m) => ledger.post(m, payment('pay_mismatch', 800n, 8n)));
    const before = await count('ledger_postings');
    await expectDomainError(
      tx((m) => ledger.post(m, payment('pay_mismatch', 900n, 9n))),
      'ledger_external_id_reused',
      409,
    );
    expect(await count('ledger_postings')).toBe(before);
  });

  it('lets a caller retry inside a savepoint from another account, and treats a later replay as the same event', async () => {
    const merchant = 'mch_savepointfallbacksavepoi0';
    await tx((m) => ledger.post(m, payment('pay_sp', 1000n, 0n, merchant)));
    await tx((m) =>
      ledger.post(m, {
        externalId: 'settle:sp',
        type: 'settlement',
        referenceType: 'settlement',
        referenceId: 'stl_sp',
        postings: [dr(pending(merchant), 1000n), cr(available(merchant), 1000n)],
      }),
    );
    const refundFrom = (from: (merchantId: string) => PostingInput['account']) => ({
      externalId: 'refund:re_sp:succeeded',
      type: 'refund.succeeded',
      referenceType: 'refund',
      referenceId: 're_sp',
      postings: [dr(from(merchant), 400n), cr(clearing(), 400n)],
    });
    const result = await tx(async (m) => {
      await m.query('SAVEPOINT from_pending');
      const err = await ledger.post(m, refundFrom(pending)).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'insufficient_funds' });
      await m.query('ROLLBACK TO SAVEPOINT from_pending');
      return ledger.post(m, refundFrom(available));
    });
    expect(result.created).toBe(true);
    expect(await ledger.balances(merchant)).toEqual([
      { currency: 'CNY', pending: 0n, available: 600n, in_transit: 0n },
    ]);
    // A replay that tries pending first finds the event already posted: same money, so the first entry comes back.
    expect(await tx((m) => ledger.post(m, refundFrom(pending)))).toEqual({ created: false, entry: result.entry });
    expect(await ledger.balances(merchant)).toEqual([
      { currency: 'CNY', pending: 0n, available: 600n, in_transit: 0n },
    ]);
  });

  it("joins the caller's transaction: a caller rollback leaves no entry, no balance and no new account", async () => {
    const before = {
      entries: await count('ledger_entries'),
      accounts: await count('ledger_accounts'),
      postings: await count('ledger_postings'),
    };
    const other = 'mch_rollbackrollbackrollback00';
    await expect(
      tx(async (m) => {
        await ledger.post(m, payment('pay_rolled_back', 1000n, 10n, other));
        expect(await ledger.accountBalance(pending(other), m)).toBe(990n);
        throw new Error('caller failed after posting');
      }),
    ).rejects.toThrow('caller failed after posting');
    expect({
      entries: await count('ledger_entries'),
      accounts: await count('ledger_accounts'),
      postings: await count('ledger_postings'),
    }).toEqual(before);
    expect(await ledger.accountBalance(pending(other))).toBe(0n);
    expect(await ledger.entriesByReference('payment', 'pay_rolled_back')).toEqual([]);
  });

  it('does not remember an account whose opening transaction rolled back', async () => {
    const merchant = 'mch_cacherollbackcacherollbac0';
    await expect(
      tx(async (m) => {
        await ledger.post(m, payment('pay_cache_rb1', 1000n, 10n, merchant));
        // The second entry reads the account back while it is still uncommitted.
        await ledger.post(m, payment('pay_cache_rb2', 500n, 5n, merchant));
        throw new Error('caller failed after posting');
      }),
    ).rejects.toThrow('caller failed after posting');
    const { entry, created } = await tx((m) => ledger.post(m, payment('pay_cache_rb3', 700n, 7n, merchant)));
    expect(created).toBe(true);
    expect(entry.postings.find((p) => p.account.code === 'merchant_pending')).toMatchObject({
      balanceAfter: 693n,
      accountSeq: 1n,
    });
    expect((await tx((m) => ledger.post(m, payment('pay_cache_rb4', 100n, 1n, merchant)))).created).toBe(true);
    expect(await ledger.balances(merchant)).toEqual([
      { currency: 'CNY', pending: 792n, available: 0n, in_transit: 0n },
    ]);
  });

  it('does not remember an account opened inside a savepoint that rolled back', async () => {
    const merchant = 'mch_cachesavepointcachesavep0';
    await tx(async (m) => {
      await m.query('SAVEPOINT opening');
      await ledger.post(m, payment('pay_cache_sp1', 1000n, 10n, merchant));
      await ledger.post(m, payment('pay_cache_sp2', 500n, 5n, merchant));
      await m.query('ROLLBACK TO SAVEPOINT opening');
      expect((await ledger.post(m, payment('pay_cache_sp3', 300n, 3n, merchant))).created).toBe(true);
    });
    expect((await tx((m) => ledger.post(m, payment('pay_cache_sp4', 200n, 2n, merchant)))).created).toBe(true);
    expect((await tx((m) => ledger.post(m, payment('pay_cache_sp5', 100n, 1n, merchant)))).created).toBe(true);
    expect(await ledger.balances(merchant)).toEqual([
      { currency: 'CNY', pending: 594n, available: 0n, in_transit: 0n },
    ]);
    expect((await ledger.verifyBalances()).drift).toEqual([]);
  });

  it('posts an entry over accounts it already knows in one statement', async () => {
    await tx((m) => ledger.post(m, payment('pay_warm_1', 100n, 1n)));
    await tx(async (m) => {
      const query = jest.spyOn(m, 'query');
      expect((await ledger.post(m, payment('pay_warm_2', 100n, 1n))).created).toBe(true);
      expect(query).toHaveBeenCalledTimes(1);
    });
  });

  it('opens no account for a replay, even one carried by an account that does not exist yet', async () => {
    const first = await tx((m) => ledger.post(m, payment('pay_replay_new', 400n, 0n)));
    const accounts = await count('ledger_accounts');
    // The same event (type, reference, money) on an account no entry has used.
    const replay = {
      ...payment('pay_replay_new', 400n, 0n),
      postings: [dr(clearing(), 400n), cr(available('mch_replaynewaccountreplayne0'), 400n)],
    };
    expect(await tx((m) => ledger.post(m, replay))).toEqual({ created: false, entry: first.entry });
    expect(await count('ledger_accounts')).toBe(accounts);
  });

  it('opens its own transaction when called without one', async () => {
    const { created } = await ledger.post(ds.manager, payment('pay_no_tx', 300n, 3n));
    expect(created).toBe(true);
    expect(await ledger.entriesByReference('payment', 'pay_no_tx')).toHaveLength(1);
  });

  it('refuses to take a non-negative account below zero and rolls the caller back', async () => {
    const merchant = 'mch_insufficientinsufficient0';
    await tx((m) => ledger.post(m, payment('pay_small', 1000n, 0n, merchant)));
    const before = {
      postings: await count('ledger_postings'),
      pending: await ledger.accountBalance(pending(merchant)),
    };
    const err = await expectDomainError(
      tx((m) =>
        ledger.post(m, {
          externalId: 'refund:re_too_big',
          type: 'refund.accepted',
          referenceType: 'refund',
          referenceId: 're_too_big',
          postings: [
            dr(pending(merchant), 1001n),
            cr({ code: 'refunds_payable', currency: 'CNY', subkey: 'alipay' }, 1001n),
          ],
        }),
      ),
      'insufficient_funds',
      409,
    );
    expect(err.details).toEqual({ accounts: [`merchant_pending:CNY:${merchant}`] });
    expect({
      postings: await count('ledger_postings'),
      pending: await ledger.accountBalance(pending(merchant)),
    }).toEqual(before);
    expect(await ledger.entriesByReference('refund', 're_too_big')).toEqual([]);
  });

  it('accepts an entry that credits and debits the same empty non-negative account (credits are applied first)', async () => {
    const merchant = 'mch_passthroughpassthrough000';
    const { entry } = await tx((m) =>
      ledger.post(m, {
        externalId: 'passthrough:1',
        type: 'adjustment',
        referenceType: 'test',
        referenceId: 'passthrough',
        postings: [dr(available(merchant), 500n), cr(available(merchant), 500n), dr(bank, 1n), cr(feeRevenue, 1n)],
      }),
    );
    const lines = entry.postings
      .filter((p) => p.account.code === 'merchant_available')
      .map((p) => [p.direction, p.balanceAfter]);
    expect(lines).toEqual([
      ['credit', 500n],
      ['debit', 0n],
    ]);
  });

  it.each([
    ['unbalanced', [dr(bank, 100n), cr(feeRevenue, 99n)], 'ledger_entry_unbalanced'],
    [
      'balanced only across currencies',
      [dr(bank, 100n), cr({ code: 'platform_fee_revenue', currency: 'USD' }, 100n)],
      'ledger_entry_unbalanced',
    ],
    [
      'a float amount',
      [dr(bank, 10.5 as unknown as bigint), cr(feeRevenue, 10.5 as unknown as bigint)],
      'ledger_amount_invalid',
    ],
    [
      'a whole number that is not a bigint',
      [dr(bank, 100 as unknown as bigint), cr(feeRevenue, 100 as unknown as bigint)],
      'ledger_amount_invalid',
    ],
    ['a zero amount', [dr(bank, 0n), cr(feeRevenue, 0n)], 'ledger_amount_invalid'],
    ['a negative amount', [dr(bank, -5n), cr(feeRevenue, -5n)], 'ledger_amount_invalid'],
    ['an amount beyond 64 bits', [dr(bank, 2n ** 63n), cr(feeRevenue, 2n ** 63n)], 'ledger_amount_invalid'],
    ['a single posting', [dr(bank, 100n)], 'ledger_entry_invalid'],
    [
      'an unknown account code',
      [dr({ code: 'petty_cash' as 'platform_bank', currency: 'CNY' }, 1n), cr(feeRevenue, 1n)],
      'ledger_account_invalid',
    ],
    [
      'a merchant account without a merchant',
      [dr(bank, 1n), cr({ code: 'merchant_pending', currency: 'CNY' }, 1n)],
      'ledger_account_invalid',
    ],
    [
      'a platform account with a merchant',
      [dr(bank, 1n), cr({ ...feeRevenue, merchantId: M }, 1n)],
      'ledger_account_invalid',
    ],
    [
      'provider clearing without a provider',
      [dr({ code: 'provider_clearing', currency: 'CNY' }, 1n), cr(feeRevenue, 1n)],
      'ledger_account_invalid',
    ],
    [
      'a lower-case currency',
      [dr({ ...bank, currency: 'cny' }, 1n), cr({ ...feeRevenue, currency: 'cny' }, 1n)],
      'ledger_account_invalid',
    ],
  ])('rejects an entry with %s and writes nothing', async (_what, postings, code) => {
    const before = { entries: await count('ledger_entries'), accounts: await count('ledger_accounts') };
    await expectDomainError(
      tx((m) =>
        ledger.post(m, {
          externalId: `bad:${_what}`,
          type: 'adjustment',
          referenceType: 'test',
          referenceId: 'x',
          postings,
        }),
      ),
      code,
      422,
    );
    expect({ entries: await count('ledger_entries'), accounts: await count('ledger_accounts') }).toEqual(before);
  });

  it('reverses an entry once, with a linked mirror entry that restores every balance', async () => {
    const merchant = 'mch_reversalreversalreversal0';
    const { entry } = await tx((m) => ledger.post(m, payment('pay_rev', 2000n, 20n, merchant)));
    const feeBefore = await ledger.accountBalance(feeRevenue);
    const reversal = await ledger.reverse(entry.id, 'captured twice by mistake');
    expect(reversal.created).toBe(true);
    expect(reversal.entry).toMatchObject({
      type: 'reversal',
      reversesEntryId: entry.id,
      referenceType: 'payment',
      referenceId: 'pay_rev',
      description: 'captured twice by mistake',
    });
    expect(
      reversal.entry.postings.map((p) => [p.accountId, p.direction === 'debit' ? 'credit' : 'debit', p.amount]).sort(),
    ).toEqual(entry.postings.map((p) => [p.accountId, p.direction, p.amount]).sort());
    expect(await ledger.accountBalance(pending(merchant))).toBe(0n);
    expect(await ledger.accountBalance(feeRevenue)).toBe(feeBefore - 20n);

    const again = await ledger.reverse(entry.id, 'clicked twice');
    expect(again).toEqual({ created: false, entry: reversal.entry });
    await expectDomainError(ledger.reverse(reversal.entry.id, 'undo the undo'), 'ledger_entry_not_reversible', 409);
    await expectDomainError(ledger.reverse('je_doesnotexistdoesnotexist00', 'x'), 'resource_missing', 404);
    expect((await ledger.entriesByReference('payment', 'pay_rev')).map((e) => e.id)).toEqual([
      entry.id,
      reversal.entry.id,
    ]);
  });

  it('refuses a reversal that would drain a non-negative account', async () => {
    const merchant = 'mch_drainedbeforereversal0000';
    const { entry } = await tx((m) => ledger.post(m, payment('pay_drained', 1000n, 0n, merchant)));
    await tx((m) =>
      ledger.post(m, {
        externalId: 'settle:drained',
        type: 'settlement',
        referenceType: 'settlement',
        referenceId: 'stl_x',
        postings: [dr(pending(merchant), 1000n), cr(available(merchant), 1000n)],
      }),
    );
    await expectDomainError(ledger.reverse(entry.id, 'too late'), 'insufficient_funds', 409);
    expect(await ledger.entriesByReference('payment', 'pay_drained')).toHaveLength(1);
  });

  describe('in the database itself', () => {
    let entryId: string;
    let accountId: string;

    beforeAll(async () => {
      const { entry } = await tx((m) => ledger.post(m, payment('pay_sql', 700n, 7n)));
      entryId = entry.id;
      accountId = entry.postings.find((p) => p.account.code === 'merchant_pending')!.accountId;
    });

    const sqlError = async (sql: string, params: unknown[] = []) => {
      const err = await pg.query(sql, params).then(
        () => undefined,
        (e: { code?: string; constraint?: string }) => e,
      );
      expect(err).toBeDefined();
      return err as { code?: string; constraint?: string };
    };

    it.each([
      ['UPDATE postings', `UPDATE ledger_postings SET amount = amount + 1 WHERE entry_id = $1`],
      ['DELETE postings', `DELETE FROM ledger_postings WHERE entry_id = $1`],
      ['UPDATE entries', `UPDATE ledger_entries SET description = 'edited' WHERE id = $1`],
      ['DELETE entries', `DELETE FROM ledger_entries WHERE id = $1`],
    ])('refuses %s', async (_what, sql) => {
      const before = (await pg.query(`SELECT * FROM ledger_postings WHERE entry_id = $1 ORDER BY id`, [entryId])).rows;
      expect((await sqlError(sql, [entryId])).code).toBe('P0001');
      expect((await pg.query(`SELECT * FROM ledger_postings WHERE entry_id = $1 ORDER BY id`, [entryId])).rows).toEqual(
        before,
      );
    });

    it('refuses TRUNCATE, account deletion and any balance edit that is not a posting', async () => {
      for (const table of ['ledger_postings', 'ledger_entries', 'ledger_accounts'])
        expect((await sqlError(`TRUNCATE ${table} CASCADE`)).code).toBe('P0001');
      expect(
        (
          await sqlError(
            `UPDATE ledger_accounts SET balance = balance + 100, credits_posted = credits_posted + 100 WHERE id = $1`,
            [accountId],
          )
        ).code,
      ).toBe('P0001');
      expect((await sqlError(`DELETE FROM ledger_accounts WHERE id = $1`, [accountId])).code).toBe('P0001');
      expect((await ledger.verifyBalances()).drift).toEqual([]);
    });

    it('refuses an unbalanced entry inserted through SQL, at commit', async () => {
      const before = await ledger.accountBalance(pending());
      await pg.query('BEGIN');
      await pg.query(
        `INSERT INTO ledger_entries (id, external_id, type, reference_type, reference_id) VALUES ('je_sqlunbalancedsqlunbalanced0', 'sql:unbalanced', 'adjustment', 'test', 't')`,
      );
      await pg.query(
        `INSERT INTO ledger_postings (entry_id, account_id, currency, direction, amount) VALUES ('je_sqlunbalancedsqlunbalanced0', $1, 'CNY', 'credit', 100)`,
        [accountId],
      );
      // Each statement is accepted: the check is deferred to commit, where it fails.
      const err = await sqlError('COMMIT');
      expect(err).toMatchObject({ code: '23514', constraint: 'ledger_entries_balanced' });
      expect(
        (await pg.query(`SELECT count(*) FROM ledger_entries WHERE external_id = 'sql:unbalanced'`)).rows[0].count,
      ).toBe('0');
      expect(await ledger.accountBalance(pending())).toBe(before);
    });

    it('refuses an entry without postings and a posting added later to a committed entry', async () => {
      await pg.query('BEGIN');
      await pg.query(
        `INSERT INTO ledger_entries (id, external_id, type, reference_type, reference_id) VALUES ('je_sqlemptysqlemptysqlempty00', 'sql:empty', 'adjustment', 'test', 't')`,
      );
      expect(await sqlError('COMMIT')).toMatchObject({ code: '23514', constraint: 'ledger_entries_balanced' });

      await pg.query('BEGIN');
      await pg.query(
        `INSERT INTO ledger_postings (entry_id, account_id, currency, direction, amount) VALUES ($1, $2, 'CNY', 'credit', 5)`,
        [entryId, accountId],
      );
      expect(await sqlError('COMMIT')).toMatchObject({ code: '23514', constraint: 'ledger_entries_balanced' });
      expect(
        (await pg.query(`SELECT count(*) FROM ledger_postings WHERE entry_id = $1`, [entryId])).rows[0].count,
      ).toBe('3');
    });

    it('refuses non-integer, zero and mismatched-currency postings', async () => {
      expect(
        (
          await sqlError(
            `INSERT INTO ledger_postings (entry_id, account_id, currency, direction, amount) VALUES ($1, $2, 'CNY', 'credit', $3)`,
            [entryId, accountId, '10.5'],
          )
        ).code,
      ).toBe('22P02');
      expect(
        (
          await sqlError(
            `INSERT INTO ledger_postings (entry_id, account_id, currency, direction, amount) VALUES ($1, $2, 'CNY', 'credit', 0)`,
            [entryId, accountId],
          )
        ).code,
      ).toBe('23514');
      expect(
        (
          await sqlError(
            `INSERT INTO ledger_postings (entry_id, account_id, currency, direction, amount) VALUES ($1, $2, 'USD', 'credit', 1)`,
            [entryId, accountId],
          )
        ).code,
      ).toBe('23514');
      expect(await ledger.verifyBalances()).toMatchObject({ drift: [], unbalancedEntries: [] });
    });
  });

  it('keeps the trial balance at zero and every cached balance equal to its postings', async () => {
    const trial = await ledger.trialBalance();
    expect(trial.length).toBeGreaterThan(0);
    for (const line of trial)
      expect(line).toEqual({ currency: line.currency, debits: line.credits, credits: line.credits, net: 0n });
    const verify = await ledger.verifyBalances();
    expect(verify.drift).toEqual([]);
    expect(verify.unbalancedEntries).toEqual([]);
    expect(verify.accountsChecked).toBe(await count('ledger_accounts'));
  });
});
