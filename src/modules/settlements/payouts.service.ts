import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { newId } from '../../common/ids/ids.util';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { withTransaction } from '../../persistence/transaction.util';
import { AuditLogService, type Actor } from '../admin/audit-log.service';
import { LedgerService } from '../ledger/ledger.service';
import type { JournalEntryInput } from '../ledger/ledger.types';
import { OutboxService } from '../notifications/outbox.service';
import { BANK_TRANSFER, BankTransferProvider, TransferOutcome } from '../providers/bank/bank-transfer.adapter';
import { Payout } from './entities/payout.entity';
import { PayoutFilter, PayoutsRepository } from './payouts.repository';
import { toPayoutResponse } from './payouts.mapper';
import { SettlementErrors } from './settlements.errors';
import { SettlementsRepository } from './settlements.repository';

const MAX_BACKOFF_MS = 5 * 60_000;

/**
 * Payouts: a settlement's completion pays the merchant's available balance
 * to its bank. Ledger: available → in transit when the payout is initiated,
 * then in transit → platform bank when the bank confirms, or back to
 * available when it fails (docs/settlement.md "Payouts").
 */
@Injectable()
export class PayoutsService {
  private readonly logger = new Logger(PayoutsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: PayoutsRepository,
    private readonly settlements: SettlementsRepository,
    private readonly ledger: LedgerService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditLogService,
    @Inject(BANK_TRANSFER) private readonly bank: BankTransferProvider,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * In the consumer's inbox transaction: one payout per settlement (unique
   * settlement_id), for the available balance not already promised to a
   * payout awaiting approval. Returns null when there is nothing to pay.
   */
  async createForSettlement(
    manager: EntityManager,
    settlementId: string,
    eventId: string | null,
  ): Promise<Payout | null> {
    // Read our own row rather than trusting the event body.
    const settlement = await this.settlements.findById(settlementId, manager);
    if (!settlement) throw new Error(`settlement ${settlementId} does not exist`);
    const existing = await this.repo.forSettlement(settlementId, manager);
    if (existing) return existing;
    const { merchantId, currency } = settlement;
    await this.repo.lock(manager, merchantId, currency);
    const available = await this.ledger.accountBalance({ code: 'merchant_available', currency, merchantId }, manager);
    const amount = available - (await this.repo.awaitingApproval(manager, merchantId, currency));
    if (amount <= 0n) return null;
    const threshold = this.config.settlements.payoutApprovalThreshold;
    const approvalRequired = threshold !== undefined && amount > threshold;
    const now = new Date();
    const payout = Object.assign(new Payout(), {
      id: newId('po'),
      merchantId,
      currency,
      amount,
      status: approvalRequired ? ('awaiting_approval' as const) : ('in_transit' as const),
      settlementId,
      eventId,
      providerState: 'creating' as const,
      bankReference: null,
      failureCode: null,
      failureMessage: null,
      approvalRequired,
      approvedBy: null,
      approvedAt: null,
      nextCheckAt: approvalRequired ? null : now,
      checkAttempts: 0,
      paidAt: null,
      failedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    if (!(await this.repo.insertOnce(manager, payout))) return this.repo.forSettlement(settlementId, manager);
    if (!approvalRequired) await this.ledger.post(manager, this.entry(payout, 'initiated'));
    return payout;
  }

  /** Admin approval: the money leaves available now and the worker sends it. Approving twice changes nothing. */
  async approve(actor: Actor, id: string): Promise<Payout> {
    return withTransaction(this.dataSource, async (m) => {
      const p = await this.repo.lockPayout(m, id);
      if (!p) throw SettlementErrors.payoutNotFound(id);
      if (p.status !== 'awaiting_approval') {
        if (p.approvedBy) return p;
        throw SettlementErrors.payoutNotAwaitingApproval(id, p.status);
      }
      await this.ledger.post(m, this.entry(p, 'initiated'));
      const changes = {
        status: 'in_transit' as const,
        approvedBy: actor.actor,
        approvedAt: new Date(),
        nextCheckAt: new Date(),
      };
      await this.repo.update(m, id, changes);
      await this.audit.record(m, actor, {
        action: 'payout.approve',
        targetType: 'payout',
        targetId: id,
        after: { amount: p.amount.toString(), currency: p.currency },
      });
      return Object.assign(p, changes);
    });
  }

  /**
   * One worker step for an in-transit payout, outside any transaction while
   * the bank is called: send it (the payout id is the bank's idempotency
   * key), or ask about it, then record what the bank said.
   */
  async execute(p: Payout): Promise<void> {
    let outcome: TransferOutcome;
    const send = () =>
      this.bank.transfer({ transferId: p.id, amount: p.amount, currency: p.currency, merchantId: p.merchantId });
    if (p.providerState === 'creating') outcome = await send();
    else {
      outcome = await this.bank.query(p.id);
      // Sent, but the bank never got it: send again, the same id makes it safe.
      if (outcome.status === 'not_found' && p.providerState === 'unknown') outcome = await send();
    }
    if (outcome.status === 'succeeded' || outcome.status === 'failed') return this.finish(p.id, outcome);
    await withTransaction(this.dataSource, (m) =>
      this.repo.update(m, p.id, {
        // processing: the bank has it; unknown/not_found: we cannot tell, so query (and resend if absent) later.
        providerState:
          outcome.status === 'processing' ? 'created' : p.providerState === 'created' ? 'created' : 'unknown',
        bankReference: outcome.bankReference ?? p.bankReference,
        checkAttempts: p.checkAttempts + 1,
        nextCheckAt: new Date(
          Date.now() + Math.min(MAX_BACKOFF_MS, this.config.resolverBaseMs * 2 ** Math.min(p.checkAttempts, 12)),
        ),
      }),
    );
  }

  /** Paid or failed, once: the ledger entry, the status and the event commit together. */
  private async finish(id: string, outcome: TransferOutcome): Promise<void> {
    await withTransaction(this.dataSource, async (m) => {
      const p = await this.repo.lockPayout(m, id);
      if (!p || p.status !== 'in_transit') return;
      const paid = outcome.status === 'succeeded';
      await this.ledger.post(m, this.entry(p, paid ? 'paid' : 'failed'));
      const now = new Date();
      const changes: Partial<Payout> = paid
        ? {
            status: 'paid',
            paidAt: now,
            bankReference: outcome.bankReference ?? p.bankReference,
            providerState: 'created',
            nextCheckAt: null,
          }
        : {
            status: 'failed',
            failedAt: now,
            failureCode: outcome.failureCode ?? 'bank_rejected',
            failureMessage: outcome.failureMessage ?? null,
            providerState: 'created',
            nextCheckAt: null,
          };
      await this.repo.update(m, id, changes);
      const updated = Object.assign(p, changes);
      await this.outbox.enqueue(m, {
        type: paid ? 'payout.paid' : 'payout.failed',
        merchantId: p.merchantId,
        appId: null,
        object: toPayoutResponse(updated),
        aggregateId: p.id,
      });
      this.logger.log({ payout_id: id, status: updated.status }, 'payout finished');
    });
  }

  private entry(p: Payout, step: 'initiated' | 'paid' | 'failed'): JournalEntryInput {
    const available = { code: 'merchant_available' as const, currency: p.currency, merchantId: p.merchantId };
    const inTransit = { code: 'merchant_payouts_in_transit' as const, currency: p.currency, merchantId: p.merchantId };
    const bank = { code: 'platform_bank' as const, currency: p.currency };
    const [debit, credit] =
      step === 'initiated' ? [available, inTransit] : step === 'paid' ? [inTransit, bank] : [inTransit, available];
    return {
      externalId: `payout:${p.id}:${step}`,
      type: `payout.${step}`,
      referenceType: 'payout',
      referenceId: p.id,
      merchantId: p.merchantId,
      postings: [
        { account: debit, direction: 'debit', amount: p.amount },
        { account: credit, direction: 'credit', amount: p.amount },
      ],
    };
  }

  async get(id: string): Promise<Payout> {
    const p = await this.repo.findById(id);
    if (!p) throw SettlementErrors.payoutNotFound(id);
    return p;
  }

  list(filter: PayoutFilter): Promise<Payout[]> {
    return this.repo.list(filter);
  }
}
