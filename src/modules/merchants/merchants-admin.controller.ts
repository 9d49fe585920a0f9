import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Page, toPage } from '../../common/http/pagination';
import { AdminApi, CurrentActor } from '../admin/admin-api.decorator';
import type { Actor } from '../admin/audit-log.service';
import { AppResponseDto, CreateAppDto, CreateKeyDto, KeyResponseDto, UpdateAppDto } from './dto/app.dto';
import {
  CreateMerchantDto,
  ListMerchantsQueryDto,
  MerchantPageDto,
  MerchantResponseDto,
  UpdateMerchantDto,
} from './dto/merchant.dto';
import { toAppResponse, toKeyResponse, toMerchantResponse } from './merchants.mapper';
import { MerchantsService } from './merchants.service';
import { ApiErrors } from '../../common/http/api-errors.decorator';

@AdminApi('admin: merchants')
@ApiErrors(['resource_missing', 'no such merchant, app or key'])
@Controller('admin/v1')
export class MerchantsAdminController {
  constructor(private readonly merchants: MerchantsService) {}

  @Post('merchants')
  @ApiOperation({ summary: 'Onboard a merchant' })
  @ApiCreatedResponse({ type: MerchantResponseDto })
  async create(@CurrentActor() actor: Actor, @Body() body: CreateMerchantDto): Promise<MerchantResponseDto> {
    return toMerchantResponse(await this.merchants.createMerchant(actor, body));
  }

  @Get('merchants')
  @ApiOperation({ summary: 'List merchants, newest first' })
  @ApiOkResponse({ type: MerchantPageDto })
  async list(@Query() query: ListMerchantsQueryDto): Promise<Page<MerchantResponseDto>> {
    return toPage(await this.merchants.listMerchants(query, query.status), query, toMerchantResponse);
  }

  @Get('merchants/:id')
  @ApiOperation({ summary: 'Read a merchant' })
  @ApiOkResponse({ type: MerchantResponseDto })
  async get(@Param('id') id: string): Promise<MerchantResponseDto> {
    return toMerchantResponse(await this.merchants.getMerchant(id));
  }

  @Patch('merchants/:id')
  @ApiOperation({ summary: 'Update a merchant (name, settlement currency, timezone, fee, settlement delay)' })
  @ApiOkResponse({ type: MerchantResponseDto })
  async update(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body() body: UpdateMerchantDto,
  ): Promise<MerchantResponseDto> {
    return toMerchantResponse(await this.merchants.updateMerchant(actor, id, body));
  }

  @Post('merchants/:id/suspend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Suspend a merchant: its signed API calls answer 403 until reactivated' })
  @ApiOkResponse({ type: MerchantResponseDto })
  async suspend(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<MerchantResponseDto> {
    return toMerchantResponse(await this.merchants.setMerchantStatus(actor, id, 'suspended'));
  }

  @Post('merchants/:id/activate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reactivate a suspended merchant' })
  @ApiOkResponse({ type: MerchantResponseDto })
  async activate(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<MerchantResponseDto> {
    return toMerchantResponse(await this.merchants.setMerchantStatus(actor, id, 'active'));
  }

  @Post('merchants/:id/apps')
  @ApiOperation({ summary: 'Create an app; `webhook_secret` is shown once when a webhook URL is set' })
  @ApiCreatedResponse({ type: AppResponseDto })
  async createApp(
    @CurrentActor() actor: Actor,
    @Param('id') merchantId: string,
    @Body() body: CreateAppDto,
  ): Promise<AppResponseDto> {
    const { app, webhookSecret } = await this.merchants.createApp(actor, merchantId, body);
    return toAppResponse(app, webhookSecret);
  }

  @Get('merchants/:id/apps')
  @ApiOperation({ summary: "List a merchant's apps" })
  @ApiOkResponse({ type: [AppResponseDto] })
  async listApps(@Param('id') merchantId: string): Promise<AppResponseDto[]> {
    return (await this.merchants.listApps(merchantId)).map((a) => toAppResponse(a));
  }

  @Get('apps/:id')
  @ApiOperation({ summary: 'Read an app' })
  @ApiOkResponse({ type: AppResponseDto })
  async getApp(@Param('id') id: string): Promise<AppResponseDto> {
    return toAppResponse(await this.merchants.getApp(id));
  }

  @Patch('apps/:id')
  @ApiOperation({ summary: 'Update an app (name, channels, webhook URL)' })
  @ApiOkResponse({ type: AppResponseDto })
  async updateApp(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body() body: UpdateAppDto,
  ): Promise<AppResponseDto> {
    const { app, webhookSecret } = await this.merchants.updateApp(actor, id, body);
    return toAppResponse(app, webhookSecret);
  }

  @Post('apps/:id/suspend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Suspend an app' })
  @ApiOkResponse({ type: AppResponseDto })
  async suspendApp(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<AppResponseDto> {
    return toAppResponse((await this.merchants.setAppStatus(actor, id, 'suspended')).app);
  }

  @Post('apps/:id/activate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reactivate an app' })
  @ApiOkResponse({ type: AppResponseDto })
  async activateApp(@CurrentActor() actor: Actor, @Param('id') id: string): Promise<AppResponseDto> {
    return toAppResponse((await this.merchants.setAppStatus(actor, id, 'active')).app);
  }

  @Post('apps/:id/keys')
  @ApiOperation({
    summary: 'Issue an HMAC key (secret shown once) or register an RSA public key; at most two active keys',
  })
  @ApiCreatedResponse({ type: KeyResponseDto })
  async createKey(
    @CurrentActor() actor: Actor,
    @Param('id') appId: string,
    @Body() body: CreateKeyDto,
  ): Promise<KeyResponseDto> {
    const { key, secret } = await this.merchants.createKey(actor, appId, body);
    return toKeyResponse(key, secret);
  }

  @Get('apps/:id/keys')
  @ApiOperation({ summary: "List an app's keys (never their secrets)" })
  @ApiOkResponse({ type: [KeyResponseDto] })
  async listKeys(@Param('id') appId: string): Promise<KeyResponseDto[]> {
    return (await this.merchants.listKeys(appId)).map((k) => toKeyResponse(k));
  }

  @Delete('apps/:id/keys/:key_id')
  @ApiOperation({ summary: 'Revoke a key' })
  @ApiOkResponse({ type: KeyResponseDto })
  async revokeKey(
    @CurrentActor() actor: Actor,
    @Param('id') appId: string,
    @Param('key_id') keyId: string,
  ): Promise<KeyResponseDto> {
    return toKeyResponse(await this.merchants.revokeKey(actor, appId, keyId));
  }
}
