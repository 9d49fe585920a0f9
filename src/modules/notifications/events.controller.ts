import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { EventEnvelope } from '@paygrid/contracts';
import { Page } from '../../common/http/pagination';
import { MerchantContext } from '../auth/merchant-context';
import { SignedApi } from '../auth/signed-api.decorator';
import { EventPageDto, EventResponseDto, ListEventsQueryDto } from './dto/event.dto';
import { EventsService } from './events.service';
import { ApiErrors } from '../../common/http/api-errors.decorator';

@SignedApi('events')
@Controller('v1/events')
export class EventsController {
  constructor(private readonly events: EventsService) {}

  @Get()
  @ApiOperation({ summary: "List the merchant's events, newest first (catch up after missed webhooks)" })
  @ApiOkResponse({ type: EventPageDto })
  list(@MerchantContext() ctx: MerchantContext, @Query() query: ListEventsQueryDto): Promise<Page<EventEnvelope>> {
    return this.events.list(ctx.merchantId, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read one event' })
  @ApiOkResponse({ type: EventResponseDto })
  @ApiErrors(['resource_missing', 'no such event for this merchant'])
  get(@MerchantContext() ctx: MerchantContext, @Param('id') id: string): Promise<EventEnvelope> {
    return this.events.get(ctx.merchantId, id);
  }
}
