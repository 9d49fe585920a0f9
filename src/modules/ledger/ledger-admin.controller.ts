import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { Response } from 'express';
import { Page, toPage } from '../../common/http/pagination';
import { AdminApi, CurrentActor } from '../admin/admin-api.decorator';
import type { Actor } from '../admin/audit-log.service';
import {
  AccountPageDto,
  AccountResponseDto,
  EntriesQueryDto,
  EntryListDto,
  EntryResponseDto,
  ListAccountsQueryDto,
  ReverseEntryDto,
  StatementDto,
  StatementQueryDto,
  TrialBalanceDto,
} from './dto/ledger.dto';
import { LedgerAdminService } from './ledger-admin.service';
import { toAccountResponse, toEntryResponse, toStatementLine, toTrialBalanceResponse } from './ledger.mapper';
import { ApiErrors } from '../../common/http/api-errors.decorator';

@AdminApi('admin: ledger')
@ApiErrors(['resource_missing', 'no such account or journal entry'])
@Controller('admin/v1/ledger')
export class LedgerAdminController {
  constructor(private readonly ledger: LedgerAdminService) {}

  @Get('accounts')
  @ApiOperation({ summary: 'List ledger accounts with their balances, newest first' })
  @ApiOkResponse({ type: AccountPageDto })
  async listAccounts(@Query() query: ListAccountsQueryDto): Promise<Page<AccountResponseDto>> {
    const rows = await this.ledger.listAccounts(query, {
      merchantId: query.merchant_id,
      code: query.code,
      currency: query.currency,
    });
    return toPage(rows, query, toAccountResponse);
  }

  @Get('accounts/:id')
  @ApiOperation({ summary: 'Read a ledger account and its balance' })
  @ApiOkResponse({ type: AccountResponseDto })
  async getAccount(@Param('id') id: string): Promise<AccountResponseDto> {
    return toAccountResponse(await this.ledger.getAccount(id));
  }

  @Get('accounts/:id/statement')
  @ApiOperation({ summary: "An account's postings, newest first, each with the running balance right after it" })
  @ApiOkResponse({ type: StatementDto })
  async statement(@Param('id') id: string, @Query() query: StatementQueryDto): Promise<StatementDto> {
    const limit = query.limit ?? 20;
    const { account, lines } = await this.ledger.statement(id, {
      limit,
      before: query.starting_after ? BigInt(query.starting_after) : undefined,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
    });
    return {
      account: toAccountResponse(account),
      data: lines.slice(0, limit).map(toStatementLine),
      has_more: lines.length > limit,
    };
  }

  @Get('entries')
  @ApiOperation({ summary: 'Journal entries of one business object (e.g. a payment), oldest first' })
  @ApiOkResponse({ type: EntryListDto })
  async entries(@Query() query: EntriesQueryDto): Promise<EntryListDto> {
    return {
      data: (await this.ledger.entriesByReference(query.reference_type, query.reference_id)).map(toEntryResponse),
    };
  }

  @Get('entries/:id')
  @ApiOperation({ summary: 'Read a journal entry and its postings' })
  @ApiOkResponse({ type: EntryResponseDto })
  async entry(@Param('id') id: string): Promise<EntryResponseDto> {
    return toEntryResponse(await this.ledger.getEntry(id));
  }

  @Get('trial-balance')
  @ApiOperation({ summary: 'Σ debits and Σ credits per currency (must net to zero), with balances per account code' })
  @ApiOkResponse({ type: TrialBalanceDto })
  async trialBalance(): Promise<TrialBalanceDto> {
    const { totals, byCode } = await this.ledger.trialBalance();
    return toTrialBalanceResponse(totals, byCode);
  }

  @Post('entries/:id/reverse')
  @ApiOperation({ summary: 'Post the linked reversal of an entry (201), or return the existing one (200); audited' })
  @ApiCreatedResponse({ type: EntryResponseDto })
  @ApiOkResponse({ type: EntryResponseDto, description: 'The entry was already reversed: its reversal' })
  @ApiErrors(
    ['ledger_entry_not_reversible', 'the entry is itself a reversal'],
    ['insufficient_funds', 'a non-negative account would go below zero'],
  )
  @ApiErrors(['ledger_entry_invalid', 'missing reason'])
  async reverse(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body() body: ReverseEntryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<EntryResponseDto> {
    const { entry, created } = await this.ledger.reverse(actor, id, body.reason);
    res.status(created ? 201 : 200);
    return toEntryResponse(entry);
  }
}
