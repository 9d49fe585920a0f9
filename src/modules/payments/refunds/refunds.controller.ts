import { Body, Controller, Get, Param, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Page, toPage } from '../../../common/http/pagination';
import { assertPlainAmountLiterals } from '../../../common/money/minor-amount.decorator';
import { Idempotent } from '../../auth/idempotent.decorator';
import { MerchantContext } from '../../auth/merchant-context';
import { SignedApi } from '../../auth/signed-api.decorator';
import { ListRefundsQueryDto } from '../dto/payment-query.dto';
import { RefundPageDto, RefundResponseDto } from '../dto/payment-response.dto';
import { CreateRefundDto } from './dto/refund.dto';
import { toRefundResponse } from '../payments.mapper';
import { RefundsService } from './refunds.service';
import { ApiErrors } from '../../../common/http/api-errors.decorator';

@SignedApi('refunds')
@ApiErrors(['resource_missing', 'no such payment or refund for this merchant'])
@Controller('v1/refunds')
export class RefundsController {
  constructor(private readonly refunds: RefundsService) {}

  @Post()
  @Idempotent()
  @ApiOperation({
    summary: 'Refund all or part of a succeeded payment',
    description:
      'Several partial refunds may not exceed the amount paid (`refund_amount_exceeds_available`). `out_refund_no` is unique per app.',
  })
  @ApiCreatedResponse({
    type: RefundResponseDto,
    description: 'The refund: `succeeded`, or `pending` while the channel processes it',
  })
  @ApiErrors(
    'parameter_invalid',
    'parameter_unknown',
    'body_malformed',
    'amount_invalid',
    'refund_amount_exceeds_available',
  )
  @ApiErrors('payment_not_refundable', 'duplicate_out_refund_no', 'balance_insufficient')
  async create(
    @MerchantContext() ctx: MerchantContext,
    @Body() body: CreateRefundDto,
    @Req() req: { rawBody?: Buffer },
  ): Promise<RefundResponseDto> {
    assertPlainAmountLiterals(req.rawBody);
    return toRefundResponse(
      await this.refunds.create(
        { merchantId: ctx.merchantId, appId: ctx.appId, kind: 'merchant', actor: ctx.appId },
        body,
      ),
    );
  }

  @Get()
  @ApiOperation({ summary: 'List refunds, newest first' })
  @ApiOkResponse({ type: RefundPageDto })
  async list(
    @MerchantContext() ctx: MerchantContext,
    @Query() q: ListRefundsQueryDto,
  ): Promise<Page<RefundResponseDto>> {
    const rows = await this.refunds.list({
      merchantId: ctx.merchantId,
      paymentId: q.payment_id,
      status: q.status,
      startingAfter: q.starting_after,
      limit: q.limit ?? 20,
    });
    return toPage(rows, q, toRefundResponse);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a refund' })
  @ApiOkResponse({ type: RefundResponseDto })
  async get(@MerchantContext() ctx: MerchantContext, @Param('id') id: string): Promise<RefundResponseDto> {
    return toRefundResponse(await this.refunds.get(ctx.merchantId, id));
  }
}
