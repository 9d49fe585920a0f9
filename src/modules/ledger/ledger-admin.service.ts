import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ListQueryDto } from '../../common/http/pagination';
import { withTransaction } from '../../persistence/transaction.util';
import { Actor, AuditLogService } from '../admin/audit-log.service';
import type { AccountCode } from './chart-of-accounts';
import type { LedgerAccount } from './entities/ledger-account.entity';
import { LedgerErrors } from './ledger.errors';
import { toEntryResponse } from './ledger.mapper';
import {
  LedgerReportsRepository,
  type StatementLine,
  type StatementQuery,
  type TrialBalanceByCode,
} from './ledger-reports.repository';
import { LedgerService } from './ledger.service';
import type { JournalEntryView, PostResult, TrialBalanceLine } from './ledger.types';

/**
 * What operators see and do through `/admin/v1/ledger`. Kept apart from
 * LedgerService so the posting API has no admin dependencies (workers and
 * other modules' tests construct it alone).
 */
@Injectable()
export class LedgerAdminService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly ledger: LedgerService,
    private readonly reports: LedgerReportsRepository,
    private readonly audit: AuditLogService,
  ) {}

  listAccounts(
    query: ListQueryDto,
    filter: { merchantId?: string; code?: AccountCode; currency?: string },
  ): Promise<LedgerAccount[]> {
    return this.reports.listAccounts(query, filter);
  }

  async getAccount(id: string): Promise<LedgerAccount> {
    const account = await this.reports.findAccount(id);
    if (!account) throw LedgerErrors.accountNotFound(id);
    return account;
  }

  async statement(id: string, query: StatementQuery): Promise<{ account: LedgerAccount; lines: StatementLine[] }> {
    const account = await this.getAccount(id);
    return { account, lines: await this.reports.statement(id, query) };
  }

  entriesByReference(referenceType: string, referenceId: string): Promise<JournalEntryView[]> {
    return this.ledger.entriesByReference(referenceType, referenceId);
  }

  getEntry(id: string): Promise<JournalEntryView> {
    return this.ledger.getEntry(id);
  }

  async trialBalance(): Promise<{ totals: TrialBalanceLine[]; byCode: TrialBalanceByCode[] }> {
    const [totals, byCode] = await Promise.all([this.ledger.trialBalance(), this.reports.trialBalanceByCode()]);
    return { totals, byCode };
  }

  /** The reversal and its audit row commit together; an idempotent repeat changes nothing and is not audited again. */
  reverse(actor: Actor, entryId: string, reason: string): Promise<PostResult> {
    return withTransaction(this.dataSource, async (tx) => {
      const result = await this.ledger.reverse(entryId, reason, tx);
      if (result.created) {
        await this.audit.record(tx, actor, {
          action: 'ledger_entry.reverse',
          targetType: 'ledger_entry',
          targetId: entryId,
          after: { reason, reversal: toEntryResponse(result.entry) },
        });
      }
      return result;
    });
  }
}
