import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { DomainError, conflict } from '../../common/errors/domain-error';
import { CreatePingDto, PingResponseDto, PostPingResponseDto } from './dto/ping.dto';
import { Idempotent } from './idempotent.decorator';
import { MerchantContext } from './merchant-context';
import { SignedApi } from './signed-api.decorator';

/**
 * Diagnostics: proves a merchant's signing works before any payment exists.
 * `POST` counts its executions per app in this replica's memory, so a
 * caller (and the e2e tests) can see that an idempotent retry did not run twice.
 */
@SignedApi('ping')
@Controller('v1/ping')
export class PingController {
  private readonly executions = new Map<string, number>();

  @Get()
  @ApiOperation({ summary: 'Check a signed request: answers with the merchant, app and key that signed it' })
  @ApiOkResponse({ type: PingResponseDto })
  ping(@MerchantContext() ctx: MerchantContext): PingResponseDto {
    return toPing(ctx);
  }

  @Post()
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({ summary: 'Check a signed, idempotent POST (diagnostics: counts executions per app on this replica)' })
  @ApiOkResponse({ type: PostPingResponseDto })
  create(@MerchantContext() ctx: MerchantContext, @Body() body: CreatePingDto): PostPingResponseDto {
    const executions = (this.executions.get(ctx.appId) ?? 0) + 1;
    this.executions.set(ctx.appId, executions);
    if (body.simulate_error === 'conflict')
      throw conflict('ping_conflict', `Simulated business error after ${executions} executions`);
    if (body.simulate_error === 'api_error')
      throw new DomainError({
        code: 'internal_error',
        message: 'Simulated internal error',
      });
    return { ...toPing(ctx), message: body.message ?? null, executions };
  }
}

const toPing = (ctx: MerchantContext): PingResponseDto => ({
  object: 'ping',
  merchant_id: ctx.merchantId,
  app_id: ctx.appId,
  key_id: ctx.keyId,
  request_id: ctx.requestId,
  server_time: new Date().toISOString(),
});
