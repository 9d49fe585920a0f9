import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Page, toPage } from '../../common/http/pagination';
import { AdminApi, CurrentActor } from '../admin/admin-api.decorator';
import { Actor, AuditLogService } from '../admin/audit-log.service';
import { AdminRefundDto } from './refunds/dto/admin-refund.dto';
import { AdminListPaymentsQueryDto, AdminListRefundsQueryDto, paymentFilterFrom } from './dto/payment-query.dto';
import {
  AdminRefundPageDto,
  AdminRefundResponseDto,
  PaymentPageDto,
  PaymentResponseDto,
  RefundResponseDto,
} from './dto/payment-response.dto';
import { PaymentErrors } from './payments.errors';
import { toAdminRefundResponse, toPaymentResponse, toRefundResponse } from './payments.mapper';
import { PaymentViewService } from './payment-view.service';
import { PaymentsRepository } from './payments.repository';
import { RefundsService } from './refunds/refunds.service';
import { RefundAudit, RefundOperatorService } from './refunds/refund-operator.service';
import { ResolveRefundDto, RetryAbnormalRefundDto } from './refunds/dto/refund-operator.dto';
import { ApiErrors } from '../../common/http/api-errors.decorator';

/** Operators: payments and refunds across merchants, each payment's timeline, refunds on a merchant's behalf. */
@AdminApi('admin: payments')
@ApiErrors(['resource_missing', 'no such payment or refund'])
@Controller('admin/v1')
export class PaymentsAdminController {
  constructor(
    private readonly payments: PaymentsRepository,
    private readonly views: PaymentViewService,
    private readonly refunds: RefundsService,
    private readonly operator: RefundOperatorService,
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
  @ApiOperation({
    summary: 'Find refunds across merchants (attention=provider_abnormal: the ones waiting for an operator)',
  })
  @ApiOkResponse({ type: AdminRefundPageDto })
  async refundsList(@Query() q: AdminListRefundsQueryDto): Promise<Page<AdminRefundResponseDto>> {
    const rows = await this.refunds.list({
      merchantId: q.merchant_id,
      paymentId: q.payment_id,
      status: q.status,
      attention: q.attention,
      startingAfter: q.starting_after,
      limit: q.limit ?? 20,
    });
    return toPage(rows, q, toAdminRefundResponse);
  }

  @Post('refunds/:id/retry-abnormal')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a refund WeChat Pay answered ABNORMAL again, to a bank card (apply-abnormal-refund; audited)',
    description:
      'Only for a pending refund with attention provider_abnormal. The answer is the refund as WeChat has it now, normally pending again without attention; its success arrives as usual (notification or query) and posts the ledger then. A refusal by WeChat changes nothing. bank_account and real_name are sent sealed and never stored or logged.',
  })
  @ApiOkResponse({ type: AdminRefundResponseDto })
  @ApiErrors('parameter_invalid', 'parameter_unknown')
  @ApiErrors('refund_not_awaiting_operator', 'refund_retry_unsupported', 'provider_refused')
  @ApiErrors(['service_unavailable', 'WeChat gave no usable answer; nothing changed (Retry-After)'])
  async retryAbnormal(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body() body: RetryAbnormalRefundDto,
  ): Promise<AdminRefundResponseDto> {
    // The audit row names the target type only: the payer's bank details never reach the log.
    const detail = { type: body.type, bank_type: body.bank_type ?? null };
    const r = await this.operator.retryAbnormal(
      id,
      body,
      actor.actor,
      this.audited(actor, 'refund.retry_abnormal', detail),
    );
    return toAdminRefundResponse(r);
  }

  @Post('refunds/:id/resolve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Settle a refund flagged for an operator by hand: succeeded (the ledger posts it) or failed (audited)',
    description:
      'Only for a pending refund with attention set, after checking what happened at the provider (e.g. refunded by hand on the WeChat Pay merchant platform). succeeded posts the refund to the ledger once and sends refund.succeeded; failed makes the amount refundable again and sends refund.failed with failure_code resolved_by_operator and the reason as failure_message.',
  })
  @ApiOkResponse({ type: AdminRefundResponseDto })
  @ApiErrors('parameter_invalid', 'parameter_unknown')
  @ApiErrors('refund_not_awaiting_operator')
  async resolve(
    @CurrentActor() actor: Actor,
    @Param('id') id: string,
    @Body() body: ResolveRefundDto,
  ): Promise<AdminRefundResponseDto> {
    const detail = { outcome: body.outcome, reason: body.reason };
    return toAdminRefundResponse(
      await this.operator.resolve(id, body, actor.actor, this.audited(actor, 'refund.resolve', detail)),
    );
  }

  private audited(actor: Actor, action: string, detail: Record<string, unknown>): RefundAudit {
    return (m, before, after) =>
      this.audit.record(m, actor, {
        action,
        targetType: 'refund',
        targetId: after.id,
        before: toAdminRefundResponse(before),
        after: { ...toAdminRefundResponse(after), operator_request: detail },
      });
  }
}
