import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CHANNELS, type Channel } from '../../providers/provider.port';
import { PAYMENT_STATUSES, PaymentStatus, REFUND_STATUSES, RefundStatus } from '../payment-state-machine';
import { REFUND_ATTENTIONS, RefundAttention } from '../entities/refund.entity';

export class NextActionDto {
  @ApiProperty({
    enum: ['qr_code', 'redirect', 'wechat_jsapi', 'wechat_app', 'alipay_app', 'three_d_secure'],
    description:
      'qr_code: alipay_qr, wechat_native. redirect: alipay_page, alipay_wap, wechat_h5. wechat_jsapi: wechat_jsapi, wechat_miniprogram. wechat_app: wechat_app. alipay_app: alipay_app. three_d_secure: card, stripe_card',
  })
  type: string;
  @ApiPropertyOptional({ description: 'qr_code: the content to render as a QR code' }) qr_code?: string;
  @ApiPropertyOptional({
    description: 'qr_code: the same content already drawn, as an SVG data URL for an `<img src>`',
    example: 'data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmci…',
  })
  qr_code_image?: string;
  @ApiPropertyOptional({ description: 'redirect / three_d_secure: where to send the payer' }) url?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string' },
    description:
      'wechat_jsapi: the parameters for WeixinJSBridge.invoke("getBrandWCPayRequest") or the mini-program\'s wx.requestPayment; wechat_app: the OpenSDK PayReq fields (appid, partnerid, prepayid, package, noncestr, timestamp, sign)',
  })
  params?: Record<string, string>;
  @ApiPropertyOptional({
    description: "alipay_app: the signed order string to hand to the Alipay SDK in the merchant's app (payV2)",
  })
  order_string?: string;
}

export class ThreeDSecureDto {
  @ApiPropertyOptional({
    nullable: true,
    enum: ['Y', 'A', 'N', 'R', 'U', 'C'],
    description:
      'EMV 3DS2 transStatus: Y authenticated, A attempted, N not authenticated, R rejected, U unavailable, C challenge required',
    example: 'Y',
  })
  trans_status: string | null;
  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Electronic Commerce Indicator (Visa 05 authenticated, 06 attempted, 07 none; Mastercard 02/01/00)',
    example: '05',
  })
  eci: string | null;
  @ApiPropertyOptional({ nullable: true, enum: ['frictionless', 'challenge'], example: 'challenge' })
  flow: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, example: '2.2.0' }) version: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'Directory server transaction id (dsTransId)' })
  ds_transaction_id: string | null;
}

export class CardViewDto {
  @ApiProperty({ example: 'visa' }) brand: string;
  @ApiProperty({ example: '4242' }) last4: string;
  @ApiProperty({ example: 12 }) exp_month: number;
  @ApiProperty({ example: 2030 }) exp_year: number;
  @ApiPropertyOptional({
    example: 'tok_01jb8y3k2m9x7q4w5e6r7t8y9u',
    description:
      'card channel: reusable for later payments by this merchant (stripe_card: none, the card stays at Stripe)',
  })
  token?: string;
  @ApiPropertyOptional({
    type: ThreeDSecureDto,
    nullable: true,
    description: 'stripe_card: the 3-D Secure result as the processor reported it (null when none was performed)',
  })
  three_d_secure?: ThreeDSecureDto | null;
}

export class TimelineEntryDto {
  @ApiPropertyOptional({ nullable: true, type: String }) from: string | null;
  @ApiProperty() to: string;
  @ApiProperty({
    enum: ['merchant', 'admin', 'provider_response', 'provider_callback', 'provider_query', 'expiry_sweeper'],
  })
  cause: string;
  @ApiPropertyOptional({ nullable: true, type: String }) actor: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) refund_id: string | null;
  @ApiPropertyOptional({ nullable: true, type: Object }) detail: object | null;
  @ApiProperty() at: string;
}

export class RefundResponseDto {
  @ApiProperty({ example: 're_01jb8y3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ example: 'refund' }) object: 'refund';
  @ApiProperty() payment_id: string;
  @ApiProperty() out_refund_no: string;
  @ApiProperty({ example: 2500 }) amount: number;
  @ApiProperty({ example: 'CNY' }) currency: string;
  @ApiProperty({ enum: REFUND_STATUSES }) status: RefundStatus;
  @ApiPropertyOptional({ nullable: true, type: String }) reason: string | null;
  @ApiProperty({ description: 'Platform fee returned to the merchant with this refund' }) fee_refunded: number;
  @ApiPropertyOptional({ nullable: true, type: String }) failure_code: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) failure_message: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) succeeded_at: string | null;
  @ApiProperty() created_at: string;
}

/** What operators see of a refund: the merchant's view plus who it belongs to and why it waits for them. */
export class AdminRefundResponseDto extends RefundResponseDto {
  @ApiProperty() merchant_id: string;
  @ApiPropertyOptional({
    nullable: true,
    enum: REFUND_ATTENTIONS,
    description:
      'Set while the refund is pending and an operator must act. provider_abnormal: WeChat Pay could not pay it back (ABNORMAL); retry it (POST /admin/v1/refunds/{id}/retry-abnormal) or resolve it by hand (POST /admin/v1/refunds/{id}/resolve)',
  })
  attention: RefundAttention | null;
  @ApiPropertyOptional({ nullable: true, type: String }) attention_since: string | null;
  @ApiPropertyOptional({ nullable: true, type: String, description: "The provider's refund id (WeChat refund_id)" })
  provider_refund_id: string | null;
}

export class AdminRefundPageDto {
  @ApiProperty({ type: [AdminRefundResponseDto] }) data: AdminRefundResponseDto[];
  @ApiProperty() has_more: boolean;
}

export class PaymentResponseDto {
  @ApiProperty({ example: 'pay_01jb8y3k2m9x7q4w5e6r7t8y9u' }) id: string;
  @ApiProperty({ example: 'payment' }) object: 'payment';
  @ApiProperty() app_id: string;
  @ApiProperty() out_trade_no: string;
  @ApiProperty({ example: 10000 }) amount: number;
  @ApiProperty({ example: 'CNY' }) currency: string;
  @ApiProperty({ enum: CHANNELS }) channel: Channel;
  @ApiProperty({ enum: PAYMENT_STATUSES }) status: PaymentStatus;
  @ApiProperty() subject: string;
  @ApiPropertyOptional({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ enum: ['automatic', 'manual'] }) capture_method: string;
  @ApiProperty({ description: 'Made with profit sharing: the money is frozen at the provider until split or released' })
  profit_sharing: boolean;
  @ApiPropertyOptional({
    nullable: true,
    enum: ['open', 'releasing', 'released'],
    description: 'Profit sharing only: open for splits, releasing while the remainder is released, then released',
  })
  split_state: 'open' | 'releasing' | 'released' | null;
  @ApiProperty({ description: 'Sum of splits pending or succeeded (returns do not lower it)' }) amount_split: number;
  @ApiProperty({ description: 'Sum returned from receivers to the merchant' }) amount_split_returned: number;
  @ApiProperty({ description: 'Money taken (cards: the captured part)' }) amount_captured: number;
  @ApiProperty({
    description:
      'Sum of succeeded refunds; a fully refunded payment stays succeeded with amount_refunded == amount_captured',
  })
  amount_refunded: number;
  @ApiProperty({ description: 'Platform fee charged on this payment' }) fee: number;
  @ApiProperty({
    enum: ['direct', 'collected'],
    description:
      "Where the money went, fixed at create: `direct`, the provider settles it to the merchant's own account (service-provider mode; the fee is owed to the platform, no Paygrid payout); `collected`, the platform collects it and settles it by payout (docs/provider-accounts.md)",
  })
  money_mode: 'direct' | 'collected';
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) metadata: Record<string, string>;
  @ApiPropertyOptional({ nullable: true, type: String }) return_url: string | null;
  @ApiPropertyOptional({ nullable: true, type: Object }) payer: Record<string, string> | null;
  @ApiPropertyOptional({ nullable: true, type: CardViewDto }) card: CardViewDto | null;
  @ApiPropertyOptional({ nullable: true, type: NextActionDto, description: 'Present while the payer must act' })
  next_action: NextActionDto | null;
  @ApiPropertyOptional({ nullable: true, type: String }) provider_transaction_id: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) failure_code: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) failure_message: string | null;
  @ApiProperty() expires_at: string;
  @ApiPropertyOptional({ nullable: true, type: String }) succeeded_at: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) closed_at: string | null;
  @ApiProperty() created_at: string;
  @ApiProperty() updated_at: string;
  @ApiProperty({ description: "Bumped on every status change; orders this payment's events" }) version: number;
  @ApiPropertyOptional({ type: [RefundResponseDto], description: 'With ?expand=refunds' })
  refunds?: RefundResponseDto[];
  @ApiPropertyOptional({
    type: [TimelineEntryDto],
    description: 'With ?expand=timeline: every status change, when and what caused it',
  })
  timeline?: TimelineEntryDto[];
}

export class PaymentPageDto {
  @ApiProperty({ type: [PaymentResponseDto] }) data: PaymentResponseDto[];
  @ApiProperty() has_more: boolean;
}

export class RefundPageDto {
  @ApiProperty({ type: [RefundResponseDto] }) data: RefundResponseDto[];
  @ApiProperty() has_more: boolean;
}

export class BalanceLineDto {
  @ApiProperty({ example: 'CNY' }) currency: string;
  @ApiProperty({ description: 'Paid, not yet settled' }) pending: number;
  @ApiProperty({ description: 'Settled, available for payout' }) available: number;
  @ApiProperty({ description: 'Paid out, not yet confirmed by the bank' }) in_transit: number;
}

export class BalanceResponseDto {
  @ApiProperty({ example: 'balance' }) object: 'balance';
  @ApiProperty({ type: [BalanceLineDto] }) balances: BalanceLineDto[];
}
