import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Page, toPage } from '../../common/http/pagination';
import { assertPlainAmountLiterals } from '../../common/money/minor-amount.decorator';
import { claimedIdempotencyKey } from '../auth/idempotency.interceptor';
import { Idempotent } from '../auth/idempotent.decorator';
import { MerchantContext } from '../auth/merchant-context';
import { SignedApi } from '../auth/signed-api.decorator';
import { CapturePaymentDto, CreatePaymentDto } from './dto/create-payment.dto';
import { CREATE_PAYMENT_EXAMPLES } from './dto/create-payment.examples';
import { ExpandQueryDto, ListPaymentsQueryDto, paymentFilterFrom } from './dto/payment-query.dto';
import { PaymentPageDto, PaymentResponseDto } from './dto/payment-response.dto';
import { PaymentViewService } from './payment-view.service';
import { PaymentsService } from './payments.service';
import { ApiErrors } from '../../common/http/api-errors.decorator';

type RawRequest = { rawBody?: Buffer };

@SignedApi('payments')
@ApiErrors(['resource_missing', 'no such payment for this merchant'])
@Controller('v1/payments')
export class PaymentsController {
  constructor(
    private readonly payments: PaymentsService,
    private readonly views: PaymentViewService,
  ) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Create a payment',
    description:
      'Creates the order at the channel and answers with `next_action` while the payer must act. `out_trade_no` is unique per app (409 `duplicate_out_trade_no` names the existing payment). A provider timeout leaves the payment `pending` and the platform resolves it.',
  })
  @ApiBody({ type: CreatePaymentDto, examples: CREATE_PAYMENT_EXAMPLES })
  @ApiCreatedResponse({ type: PaymentResponseDto, description: 'The payment' })
  @ApiErrors(
    'parameter_invalid',
    'parameter_unknown',
    'body_malformed',
    'amount_invalid',
    'currency_not_supported',
    'payer_required',
    'card_required',
    'card_not_allowed',
    'card_encryption_invalid',
    'card_encryption_key_retired',
    'capture_method_not_allowed',
  )
  @ApiErrors('duplicate_out_trade_no', 'idempotency_request_in_progress')
  @ApiErrors('idempotency_key_reused')
  async create(
    @MerchantContext() ctx: MerchantContext,
    @Body() body: CreatePaymentDto,
    @Req() req: RawRequest,
  ): Promise<PaymentResponseDto> {
    assertPlainAmountLiterals(req.rawBody);
    return this.views.render(await this.payments.create(ctx, body, claimedIdempotencyKey(req)));
  }

  @Get()
  @ApiOperation({
    summary: 'List payments, newest first, or find one by `out_trade_no`',
    description: 'Filters: `status`, `channel`, `created[gte]`, `created[lt]`, `out_trade_no`.',
  })
  @ApiOkResponse({ type: PaymentPageDto })
  async list(
    @MerchantContext() ctx: MerchantContext,
    @Query() q: ListPaymentsQueryDto,
  ): Promise<Page<PaymentResponseDto>> {
    const rows = await this.payments.list(paymentFilterFrom(q, ctx.merchantId));
    return toPage(rows, q, (p) => this.views.renderPlain(p));
  }

  @Get(':id')
  @ApiOperation({
    summary: 'Read a payment',
    description: '`?expand=refunds,timeline` adds its refunds and every status change with its cause.',
  })
  @ApiOkResponse({ type: PaymentResponseDto })
  async get(
    @MerchantContext() ctx: MerchantContext,
    @Param('id') id: string,
    @Query() q: ExpandQueryDto,
  ): Promise<PaymentResponseDto> {
    return this.views.render(await this.payments.get(ctx.merchantId, id), q.expand);
  }

  @Post(':id/close')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary:
      'Close an unpaid payment (at the channel first); a payment that got paid meanwhile answers 409 and is recorded as paid',
  })
  @ApiOkResponse({ type: PaymentResponseDto })
  @ApiErrors('payment_invalid_state')
  async close(@MerchantContext() ctx: MerchantContext, @Param('id') id: string): Promise<PaymentResponseDto> {
    return this.views.render(await this.payments.close(ctx.merchantId, id, { cause: 'merchant', actor: ctx.appId }));
  }

  @Post(':id/capture')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({ summary: 'Capture an authorized card payment, optionally only `amount` of it' })
  @ApiOkResponse({ type: PaymentResponseDto })
  @ApiErrors('parameter_invalid', 'parameter_unknown', 'body_malformed', 'amount_too_large')
  @ApiErrors('payment_invalid_state')
  async capture(
    @MerchantContext() ctx: MerchantContext,
    @Param('id') id: string,
    @Body() body: CapturePaymentDto,
    @Req() req: RawRequest,
  ): Promise<PaymentResponseDto> {
    assertPlainAmountLiterals(req.rawBody);
    return this.views.render(
      await this.payments.capture(ctx.merchantId, id, body, { cause: 'merchant', actor: ctx.appId }),
    );
  }
}
