import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ErrorResponseDto } from '../../common/http/error-response.dto';
import { Page, toPage } from '../../common/http/pagination';
import { AdminApi, CurrentActor } from '../admin/admin-api.decorator';
import { Actor, AuditLogService } from '../admin/audit-log.service';
import { AdminRefundDto } from './refunds/dto/admin-refund.dto';
import { AdminListPaymentsQueryDto, AdminListRefundsQueryDto, paymentFilterFrom } from './dto/payment-query.dto';
import { PaymentPageDto, PaymentResponseDto, RefundPageDto, RefundResponseDto } from './dto/payment-response.dto';
import { PaymentErrors } from './payments.errors';
import { toPaymentResponse, toRefundResponse } from './payments.mapper';
import { PaymentViewService } from './payment-view.service';
import { PaymentsRepository } from './payments.repository';
import { RefundsService } from './refunds/refunds.service';

/** Operators: payments and refunds across merchants, each payment's timeline, refunds on a merchant's behalf. */
@AdminApi('admin: payments')
@ApiNotFoundResponse({ description: 'No such payment or refund', type: ErrorResponseDto })
@Controller('admin/v1')
export class PaymentsAdminController {
  constructor(
    private readonly payments: PaymentsRepository,
    private readonly views: PaymentViewService,
    private readonly refunds: RefundsService,
    private readonly audit: AuditLogService,
  ) {}

  @Get('payments')
  @ApiOperation({
    summary:
      'Find payments across merchants (id prefix filters: merchant_id, out_trade_no, status, channel, created range)',
  })
  @ApiOkResponse({ type: PaymentPageDto })
  async list(@Query() q: AdminListPaymentsQueryDto): Promise<Page<PaymentResponseDto>> {
    const rows = await this.payments.list(paymentFilterFrom(q, q.merchant_id));
    return toPage(rows, q, (p) => toPaymentResponse(p));
  }

  @Get('payments/:id')
  @ApiOperation({ summary: 'A payment with its refunds and timeline (what happened, when, and what caused it)' })
  @ApiOkResponse({ type: PaymentResponseDto })
  async get(@Param('id') id: string): Promise<PaymentResponseDto & { merchant_id: string }> {
    const p = await this.payments.findById(id);
    if (!p) throw PaymentErrors.paymentNotFound(id);
    return { ...(await this.views.render(p, 'refunds,timeline')), merchant_id: p.merchantId };
  }

  @Post('payments/:id/refunds')
  @ApiOperation({ summary: "Refund a payment on the merchant's behalf (recorded in the audit log)" })
  @ApiCreatedResponse({ type: RefundResponseDto })
  async refund(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body() body: AdminRefundDto,
  ): Promise<RefundResponseDto> {
    const p = await this.payments.findById(id);
    if (!p) throw PaymentErrors.paymentNotFound(id);
    const refund = await this.refunds.create(
      { merchantId: p.merchantId, appId: p.appId, kind: 'admin', actor: actor.actor },
      { payment_id: id, ...body },
      (m, r) =>
        this.audit.record(m, actor, {
          action: 'refund.create',
          targetType: 'payment',
          targetId: id,
          after: toRefundResponse(r),
        }),
    );
    return toRefundResponse(refund);
  }

  @Get('refunds')
  @ApiOperation({ summary: 'Find refunds across merchants' })
  @ApiOkResponse({ type: RefundPageDto })
  async refundsList(@Query() q: AdminListRefundsQueryDto): Promise<Page<RefundResponseDto>> {
    const rows = await this.refunds.list({
      merchantId: q.merchant_id,
      paymentId: q.payment_id,
      status: q.status,
      startingAfter: q.starting_after,
      limit: q.limit ?? 20,
    });
    return toPage(rows, q, toRefundResponse);
  }
}
