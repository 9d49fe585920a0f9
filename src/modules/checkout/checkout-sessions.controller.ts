import { Body, Controller, Get, Param, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Page, toPage } from '../../common/http/pagination';
import { assertPlainAmountLiterals } from '../../common/money/minor-amount.decorator';
import { Idempotent } from '../auth/idempotent.decorator';
import { MerchantContext } from '../auth/merchant-context';
import { SignedApi } from '../auth/signed-api.decorator';
import { toCheckoutSessionResponse, toCounterCodeResponse } from './checkout.mapper';
import { CheckoutService } from './checkout.service';
import {
  CheckoutSessionPageDto,
  CheckoutSessionResponseDto,
  CounterCodeResponseDto,
  CreateCheckoutSessionDto,
  CreateCounterCodeDto,
  ListCheckoutSessionsQueryDto,
} from './dto/checkout.dto';
import { ApiErrors } from '../../common/http/api-errors.decorator';

type RawRequest = { rawBody?: Buffer };

@SignedApi('checkout')
@ApiErrors(['resource_missing', 'no such object for this merchant'])
@Controller('v1')
export class CheckoutSessionsController {
  constructor(private readonly checkout: CheckoutService) {}

  @Post('checkout_sessions')
  @Idempotent()
  @ApiOperation({
    summary: 'Create a checkout session (hosted cashier)',
    description:
      "Answers with `url`: the cashier page, which is also the one QR code every wallet can scan. Send the buyer there (or show `qr_code_image`). Alipay's and WeChat's in-app browsers start their own channel at once; other browsers get a choice. When paid, the buyer goes to `return_url` with signed `paygrid_*` parameters (verify with the SDK's `verifyCheckoutReturn`), and the payment's `payment.succeeded` webhook carries `metadata.checkout_session_id`.",
  })
  @ApiCreatedResponse({ type: CheckoutSessionResponseDto, description: 'The session (201)' })
  @ApiErrors('parameter_invalid', 'channel_not_offered', 'channels_empty', 'currency_not_supported')
  @ApiErrors(['duplicate_out_trade_no', 'names the existing session'])
  async create(
    @MerchantContext() ctx: MerchantContext,
    @Body() body: CreateCheckoutSessionDto,
    @Req() req: RawRequest,
  ): Promise<CheckoutSessionResponseDto> {
    assertPlainAmountLiterals(req.rawBody);
    const s = await this.checkout.createSession(ctx, body);
    return toCheckoutSessionResponse(s, this.checkout.sessionUrl(s.id));
  }

  @Get('checkout_sessions')
  @ApiOperation({ summary: 'List checkout sessions, newest first' })
  @ApiOkResponse({ type: CheckoutSessionPageDto })
  async list(
    @MerchantContext() ctx: MerchantContext,
    @Query() q: ListCheckoutSessionsQueryDto,
  ): Promise<Page<CheckoutSessionResponseDto>> {
    const limit = q.limit ?? 20;
    const rows = await this.checkout.listSessions(ctx.merchantId, limit, q.starting_after);
    return toPage(rows, { limit }, (s) => toCheckoutSessionResponse(s, this.checkout.sessionUrl(s.id)));
  }

  @Get('checkout_sessions/:id')
  @ApiOperation({ summary: 'Read a checkout session', description: '`status`: `open`, `complete` or `expired`.' })
  @ApiOkResponse({ type: CheckoutSessionResponseDto })
  async get(@MerchantContext() ctx: MerchantContext, @Param('id') id: string): Promise<CheckoutSessionResponseDto> {
    const s = await this.checkout.getSession(ctx.merchantId, id);
    return toCheckoutSessionResponse(s, this.checkout.sessionUrl(s.id));
  }

  @Post('counter_codes')
  @Idempotent()
  @ApiOperation({
    summary: 'Create a static counter code',
    description:
      'A code to print at a shop counter: any wallet scans `url`, the payer enters the amount, and a checkout session of its own starts (with a generated `out_trade_no`, `cc…`).',
  })
  @ApiCreatedResponse({ type: CounterCodeResponseDto, description: 'The counter code (201)' })
  @ApiErrors('parameter_invalid', 'channel_not_offered', 'channels_empty')
  async createCounterCode(
    @MerchantContext() ctx: MerchantContext,
    @Body() body: CreateCounterCodeDto,
  ): Promise<CounterCodeResponseDto> {
    const c = await this.checkout.createCounterCode(ctx, body);
    return toCounterCodeResponse(c, this.checkout.counterCodeUrl(c.id));
  }

  @Get('counter_codes/:id')
  @ApiOperation({ summary: 'Read a counter code' })
  @ApiOkResponse({ type: CounterCodeResponseDto })
  async getCounterCode(
    @MerchantContext() ctx: MerchantContext,
    @Param('id') id: string,
  ): Promise<CounterCodeResponseDto> {
    const c = await this.checkout.getCounterCode(ctx.merchantId, id);
    return toCounterCodeResponse(c, this.checkout.counterCodeUrl(c.id));
  }
}
