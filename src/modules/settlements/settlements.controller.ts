import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Page, toPage } from '../../common/http/pagination';
import { MerchantContext } from '../auth/merchant-context';
import { SignedApi } from '../auth/signed-api.decorator';
import { ListSettlementsQueryDto, SettlementPageDto, SettlementResponseDto } from './dto/settlement.dto';
import { toSettlementResponse } from './settlements.mapper';
import { SettlementsService } from './settlements.service';
import { ApiErrors } from '../../common/http/api-errors.decorator';

@SignedApi('settlements')
@ApiErrors(['resource_missing', 'no such settlement for this merchant'])
@Controller('v1/settlements')
export class SettlementsController {
  constructor(private readonly settlements: SettlementsService) {}

  @Get()
  @ApiOperation({
    summary: "List the merchant's settlements, newest first",
    description: 'One per currency and business day (T+N after midnight in the merchant timezone).',
  })
  @ApiOkResponse({ type: SettlementPageDto })
  async list(
    @MerchantContext() ctx: MerchantContext,
    @Query() q: ListSettlementsQueryDto,
  ): Promise<Page<SettlementResponseDto>> {
    const rows = await this.settlements.list({
      merchantId: ctx.merchantId,
      currency: q.currency,
      businessDay: q.business_day,
      startingAfter: q.starting_after,
      limit: q.limit ?? 20,
    });
    return toPage(rows, q, (s) => toSettlementResponse(s));
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a settlement with its lines (each payment and refund it covers)' })
  @ApiOkResponse({ type: SettlementResponseDto })
  async get(@MerchantContext() ctx: MerchantContext, @Param('id') id: string): Promise<SettlementResponseDto> {
    const { settlement, lines } = await this.settlements.get(id, ctx.merchantId);
    return toSettlementResponse(settlement, lines);
  }
}
