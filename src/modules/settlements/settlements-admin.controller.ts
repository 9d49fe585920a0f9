import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Page, toPage } from '../../common/http/pagination';
import { AdminApi, CurrentActor } from '../admin/admin-api.decorator';
import type { Actor } from '../admin/audit-log.service';
import { ListPayoutsQueryDto, PayoutPageDto, PayoutResponseDto } from './dto/payout.dto';
import {
  AdminListSettlementsQueryDto,
  RunSettlementsDto,
  RunSettlementsResponseDto,
  SettlementPageDto,
  SettlementResponseDto,
} from './dto/settlement.dto';
import { toPayoutResponse } from './payouts.mapper';
import { PayoutWorker } from './payout.worker';
import { PayoutsService } from './payouts.service';
import { toSettlementResponse } from './settlements.mapper';
import { SettlementsService } from './settlements.service';
import { ApiErrors } from '../../common/http/api-errors.decorator';

@AdminApi('admin: settlements')
@ApiErrors(['resource_missing', 'no such settlement, payout or merchant'])
@Controller('admin/v1')
export class SettlementsAdminController {
  constructor(
    private readonly settlements: SettlementsService,
    private readonly payouts: PayoutsService,
    private readonly payoutWorker: PayoutWorker,
  ) {}

  @Get('settlements')
  @ApiOperation({ summary: 'List settlements across merchants, newest first' })
  @ApiOkResponse({ type: SettlementPageDto })
  async list(@Query() q: AdminListSettlementsQueryDto): Promise<Page<SettlementResponseDto>> {
    const rows = await this.settlements.list({
      merchantId: q.merchant_id,
      currency: q.currency,
      businessDay: q.business_day,
      startingAfter: q.starting_after,
      limit: q.limit ?? 20,
    });
    return toPage(rows, q, (s) => toSettlementResponse(s));
  }

  @Get('settlements/:id')
  @ApiOperation({ summary: 'Read a settlement with its lines' })
  @ApiOkResponse({ type: SettlementResponseDto })
  async get(@Param('id') id: string): Promise<SettlementResponseDto> {
    const { settlement, lines } = await this.settlements.get(id);
    return toSettlementResponse(settlement, lines);
  }

  @Post('settlements/run')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Settle a business day now (one merchant or all), ignoring the T+N delay; audited',
    description:
      'A day is settled once: running it again answers the existing settlements. A day that has not ended in the merchant timezone needs `force: true`.',
  })
  @ApiOkResponse({ type: RunSettlementsResponseDto })
  @ApiErrors('settlement_day_not_closed')
  async run(@CurrentActor() actor: Actor, @Body() body: RunSettlementsDto): Promise<RunSettlementsResponseDto> {
    const rows = await this.settlements.runDay(body.day, actor, { merchantId: body.merchant_id, force: body.force });
    return { data: rows.map((s) => toSettlementResponse(s)) };
  }

  @Get('payouts')
  @ApiOperation({ summary: 'List payouts, newest first' })
  @ApiOkResponse({ type: PayoutPageDto })
  async listPayouts(@Query() q: ListPayoutsQueryDto): Promise<Page<PayoutResponseDto>> {
    const rows = await this.payouts.list({
      merchantId: q.merchant_id,
      status: q.status,
      startingAfter: q.starting_after,
      limit: q.limit ?? 20,
    });
    return toPage(rows, q, toPayoutResponse);
  }

  @Get('payouts/:id')
  @ApiOperation({ summary: 'Read a payout' })
  @ApiOkResponse({ type: PayoutResponseDto })
  async getPayout(@Param('id') id: string): Promise<PayoutResponseDto> {
    return toPayoutResponse(await this.payouts.get(id));
  }

  @Post('payouts/:id/approve')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Approve a payout above PAYOUT_APPROVAL_THRESHOLD: the money leaves available and the transfer is sent; audited',
  })
  @ApiOkResponse({ type: PayoutResponseDto })
  @ApiErrors('payout_not_awaiting_approval', 'insufficient_funds')
  async approve(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<PayoutResponseDto> {
    const payout = await this.payouts.approve(actor, id);
    this.payoutWorker.nudge();
    return toPayoutResponse(payout);
  }
}
