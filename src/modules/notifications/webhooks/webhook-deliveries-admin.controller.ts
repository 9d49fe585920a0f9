import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Page } from '../../../common/http/pagination';
import { AdminApi, CurrentActor } from '../../admin/admin-api.decorator';
import type { Actor } from '../../admin/audit-log.service';
import {
  ListWebhookDeliveriesQueryDto,
  RotateWebhookSecretDto,
  RotateWebhookSecretResponseDto,
  WebhookDeliveryPageDto,
  WebhookDeliveryResponseDto,
  WebhookEndpointStatusDto,
} from '../dto/webhook-delivery.dto';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { toDeliveryResponse } from './webhook-deliveries.mapper';
import { ApiErrors } from '../../../common/http/api-errors.decorator';

@AdminApi('admin: webhooks')
@ApiErrors(['resource_missing', 'no such delivery or app'])
@Controller('admin/v1')
export class WebhookDeliveriesAdminController {
  constructor(private readonly deliveries: WebhookDeliveriesService) {}

  @Get('webhook-deliveries')
  @ApiOperation({
    summary: 'List webhook deliveries across merchants, newest first (filters: merchant, app, event, status)',
  })
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  async list(@Query() q: ListWebhookDeliveriesQueryDto): Promise<Page<WebhookDeliveryResponseDto>> {
    const limit = q.limit ?? 20;
    const rows = await this.deliveries.list({
      limit,
      startingAfter: q.starting_after,
      merchantId: q.merchant_id,
      appId: q.app_id,
      eventId: q.event_id,
      status: q.status,
    });
    return { data: rows.slice(0, limit).map((d) => toDeliveryResponse(d)), has_more: rows.length > limit };
  }

  @Get('webhook-deliveries/:id')
  @ApiOperation({ summary: 'Read a delivery with its attempt log (status codes, latency, errors, next retry)' })
  @ApiOkResponse({ type: WebhookDeliveryResponseDto })
  async get(@Param('id') id: string): Promise<WebhookDeliveryResponseDto> {
    const { delivery, attempts } = await this.deliveries.get(id);
    return toDeliveryResponse(delivery, attempts);
  }

  @Post('webhook-deliveries/:id/redeliver')
  @HttpCode(200)
  @ApiOperation({ summary: 'Send a delivery again now (same webhook-id), restarting its schedule; audited' })
  @ApiOkResponse({ type: WebhookDeliveryResponseDto })
  async redeliver(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<WebhookDeliveryResponseDto> {
    return toDeliveryResponse(await this.deliveries.redeliver(id, { actor }));
  }

  @Post('apps/:id/webhook-secret/rotate')
  @HttpCode(200)
  @ApiOperation({
    summary:
      "Rotate an app's webhook secret: the old one stays valid for the overlap and both signatures are sent; audited",
  })
  @ApiOkResponse({ type: RotateWebhookSecretResponseDto })
  @ApiErrors('webhook_not_configured')
  rotate(
    @CurrentActor() actor: Actor,
    @Param('id') appId: string,
    @Body() body: RotateWebhookSecretDto,
  ): Promise<RotateWebhookSecretResponseDto> {
    return this.deliveries.rotateSecret(actor, appId, body.overlap_seconds);
  }

  @Post('apps/:id/webhook-endpoint/enable')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-enable an endpoint disabled after persistent failure; its pending deliveries flow again; audited',
  })
  @ApiOkResponse({ type: WebhookEndpointStatusDto })
  enable(@CurrentActor() actor: Actor, @Param('id') appId: string): Promise<WebhookEndpointStatusDto> {
    return this.deliveries.enableEndpoint(actor, appId);
  }
}
