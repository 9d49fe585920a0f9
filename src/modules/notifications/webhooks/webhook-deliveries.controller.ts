import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { MerchantContext } from '../../auth/merchant-context';
import { SignedApi } from '../../auth/signed-api.decorator';
import { WebhookDeliveryResponseDto } from '../dto/webhook-delivery.dto';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { toDeliveryResponse } from './webhook-deliveries.mapper';
import { ApiErrors } from '../../../common/http/api-errors.decorator';

@SignedApi('webhooks')
@ApiErrors(['resource_missing', 'no such delivery for this merchant'])
@Controller('v1/webhook-deliveries')
export class WebhookDeliveriesController {
  constructor(private readonly deliveries: WebhookDeliveriesService) {}

  @Get(':id')
  @ApiOperation({ summary: 'Read a webhook delivery and its attempt log' })
  @ApiOkResponse({ type: WebhookDeliveryResponseDto })
  async get(@MerchantContext() ctx: MerchantContext, @Param('id') id: string): Promise<WebhookDeliveryResponseDto> {
    const { delivery, attempts } = await this.deliveries.get(id, ctx.merchantId);
    return toDeliveryResponse(delivery, attempts);
  }

  @Post(':id/redeliver')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a webhook again now (same webhook-id), restarting its retry schedule' })
  @ApiOkResponse({ type: WebhookDeliveryResponseDto })
  async redeliver(
    @MerchantContext() ctx: MerchantContext,
    @Param('id') id: string,
  ): Promise<WebhookDeliveryResponseDto> {
    return toDeliveryResponse(await this.deliveries.redeliver(id, { merchantId: ctx.merchantId }));
  }
}
