import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Page, toPage } from '../../common/http/pagination';
import { AdminApi, CurrentActor } from '../admin/admin-api.decorator';
import type { Actor } from '../admin/audit-log.service';
import {
  ListExceptionsQueryDto,
  ListReportsQueryDto,
  ReconciliationItemDto,
  ReconciliationItemPageDto,
  ReconciliationReportDto,
  ReconciliationReportPageDto,
  ResolveExceptionDto,
  RunReconciliationDto,
} from './dto/reconciliation.dto';
import { toReconciliationItem, toReconciliationReport } from './reconciliation.mapper';
import { ReconciliationService } from './reconciliation.service';
import { ApiErrors } from '../../common/http/api-errors.decorator';

@AdminApi('admin: reconciliation')
@ApiErrors(['resource_missing', 'no such report or exception'])
@Controller('admin/v1/reconciliation')
export class ReconciliationAdminController {
  constructor(private readonly reconciliation: ReconciliationService) {}

  @Post('run')
  @HttpCode(200)
  @ApiOperation({
    summary: "Reconcile a provider's statement for a bill day (UTC+8) against the ledger; audited",
    description:
      'Categories: matched, missing_here, missing_at_provider, amount_mismatch, status_mismatch. A payment the provider shows paid and we had pending is queried and completed (resolved); the rest is open on the exception list.',
  })
  @ApiOkResponse({ type: ReconciliationReportDto })
  @ApiErrors(['statement_not_ready', "the provider's bill of the day is not produced yet (T+1); try later"])
  @ApiErrors('statement_unavailable')
  async run(@CurrentActor() actor: Actor, @Body() body: RunReconciliationDto): Promise<ReconciliationReportDto> {
    const { report, items } = await this.reconciliation.run(body.provider, body.day, actor);
    return toReconciliationReport(report, items);
  }

  @Get('reports')
  @ApiOperation({ summary: 'List reconciliation reports, newest first' })
  @ApiOkResponse({ type: ReconciliationReportPageDto })
  async list(@Query() q: ListReportsQueryDto): Promise<Page<ReconciliationReportDto>> {
    const rows = await this.reconciliation.listReports({
      provider: q.provider,
      businessDay: q.business_day,
      startingAfter: q.starting_after,
      limit: q.limit ?? 20,
    });
    return toPage(rows, q, (r) => toReconciliationReport(r));
  }

  @Get('reports/:id')
  @ApiOperation({ summary: 'Read a report with every item and its evidence' })
  @ApiOkResponse({ type: ReconciliationReportDto })
  async get(@Param('id') id: string): Promise<ReconciliationReportDto> {
    const { report, items } = await this.reconciliation.getReport(id);
    return toReconciliationReport(report, items);
  }

  @Get('exceptions')
  @ApiOperation({ summary: 'The exception list: open items of every report, newest first, with their evidence' })
  @ApiOkResponse({ type: ReconciliationItemPageDto })
  async exceptions(@Query() q: ListExceptionsQueryDto): Promise<Page<ReconciliationItemDto>> {
    const limit = q.limit ?? 20;
    const rows = await this.reconciliation.exceptions({ provider: q.provider, startingAfter: q.starting_after, limit });
    return { data: rows.slice(0, limit).map(toReconciliationItem), has_more: rows.length > limit };
  }

  @Post('exceptions/:id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close an open exception with a note; audited' })
  @ApiOkResponse({ type: ReconciliationItemDto })
  @ApiErrors('reconciliation_exception_not_open')
  async resolve(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body() body: ResolveExceptionDto,
  ): Promise<ReconciliationItemDto> {
    return toReconciliationItem(await this.reconciliation.resolveException(actor, id, body.note));
  }
}
