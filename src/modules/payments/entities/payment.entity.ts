import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../../../common/money/bigint.transformer';
import type { Channel, NextAction, ThreeDSecureResult } from '../../providers/provider.port';
import type { PaymentStatus } from '../payment-state-machine';
import type { MoneyMode } from '../../merchants/entities/provider-account.entity';

export interface PaymentCardView {
  brand: string;
  last4: string;
  exp_month: number;
  exp_year: number;
  /** Paygrid vault token (card channel); processor-tokenized rails (stripe_card) have none. */
  token?: string;
  /** The EMV 3DS2 result, where the rail reports it. */
  three_d_secure?: ThreeDSecureResult | null;
}

@Entity('payments')
@Index('payments_app_out_trade_no_key', ['appId', 'outTradeNo', 'merchantId'], { unique: true })
@Index('payments_merchant_id_idx', ['merchantId', 'id'])
@Index('payments_next_check_idx', ['nextCheckAt'], { where: 'next_check_at IS NOT NULL' })
export class Payment {
  @PrimaryColumn({ type: 'text' }) id: string;
  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' }) merchantId: string;
  @Column({ name: 'app_id', type: 'text' }) appId: string;
  @Column({ name: 'out_trade_no', type: 'text' }) outTradeNo: string;
  @Column({ type: 'text' }) channel: Channel;
  @Column({ type: 'bigint', transformer: bigintTransformer }) amount: bigint;
  @Column({ type: 'char', length: 3 }) currency: string;
  @Column({ type: 'text' }) status: PaymentStatus;
  @Column({ type: 'text' }) subject: string;
  @Column({ type: 'text', nullable: true }) description: string | null;
  @Column({ name: 'capture_method', type: 'text', default: 'automatic' }) captureMethod: 'automatic' | 'manual';
  /** Money actually taken: the amount for wallets, the captured part for cards. */
  @Column({ name: 'amount_captured', type: 'bigint', default: 0, transformer: bigintTransformer })
  amountCaptured: bigint;
  /** Refunds that succeeded. */
  @Column({ name: 'amount_refunded', type: 'bigint', default: 0, transformer: bigintTransformer })
  amountRefunded: bigint;
  /** Refunds pending or succeeded: the limit check reserves here with a conditional update. */
  @Column({ name: 'amount_refund_reserved', type: 'bigint', default: 0, transformer: bigintTransformer })
  amountRefundReserved: bigint;
  /** Made with profit sharing: the money stays frozen at the provider until split or released (docs/api.md "Splits"). */
  @Column({ name: 'profit_sharing', type: 'boolean', default: false }) profitSharing: boolean;
  /** Profit sharing only: `open` for splits, `releasing` while the remainder is being released, then `released`. */
  @Column({ name: 'split_state', type: 'text', nullable: true }) splitState: 'open' | 'releasing' | 'released' | null;
  /** Splits pending or succeeded; a return never lowers it (returned money is not frozen again). */
  @Column({ name: 'amount_split', type: 'bigint', default: 0, transformer: bigintTransformer }) amountSplit: bigint;
  /** Returned from receivers to the merchant: refundable again. */
  @Column({ name: 'amount_split_returned', type: 'bigint', default: 0, transformer: bigintTransformer })
  amountSplitReturned: bigint;
  /** Platform fee on the captured amount, fixed when the money is taken. */
  @Column({ name: 'fee_amount', type: 'bigint', default: 0, transformer: bigintTransformer }) feeAmount: bigint;
  @Column({ name: 'fee_refunded', type: 'bigint', default: 0, transformer: bigintTransformer }) feeRefunded: bigint;
  @Column({ type: 'jsonb', default: () => "'{}'" }) metadata: Record<string, string>;
  @Column({ name: 'return_url', type: 'text', nullable: true }) returnUrl: string | null;
  @Column({ type: 'jsonb', nullable: true }) payer: Record<string, string> | null;
  @Column({ type: 'jsonb', nullable: true }) card: PaymentCardView | null;
  @Column({ name: 'next_action', type: 'jsonb', nullable: true }) nextAction: NextAction | null;
  @Column({ name: 'provider_transaction_id', type: 'text', nullable: true }) providerTransactionId: string | null;
  /** WeChat Pay service-provider mode: the merchant's sub_mchid (and sub_appid) the order was made for. */
  @Column({ name: 'sub_mchid', type: 'text', nullable: true }) subMchid: string | null;
  @Column({ name: 'sub_appid', type: 'text', nullable: true }) subAppid: string | null;
  /** Where the money went, fixed at create: `direct` to the merchant's own provider account, or `collected` by the platform. */
  /** Alipay third-party authorisation: the merchant's auth_app_id the trade was made for (its app_auth_token on every call). */
  @Column({ name: 'auth_app_id', type: 'text', nullable: true }) authAppId: string | null;
  @Column({ name: 'money_mode', type: 'text', default: 'collected' }) moneyMode: MoneyMode;
  /** `unknown` while we do not know whether the provider created the order (timeout). */
  @Column({ name: 'provider_state', type: 'text', default: 'creating' }) providerState:
    'creating' | 'created' | 'unknown' | 'rejected';
  @Column({ name: 'failure_code', type: 'text', nullable: true }) failureCode: string | null;
  @Column({ name: 'failure_message', type: 'text', nullable: true }) failureMessage: string | null;
  /** A success the provider reported after we closed the payment: kept in suspense and refunded to the payer. */
  @Column({ name: 'late_success', type: 'boolean', default: false }) lateSuccess: boolean;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  /** The Idempotency-Key of the create that inserted this row: a retry under it completes the create (API.md Idempotency). */
  @Column({ name: 'create_idempotency_key', type: 'text', nullable: true }) createIdempotencyKey: string | null;
  /** When the resolver should next ask the provider; null when nothing is left to learn. */
  @Column({ name: 'next_check_at', type: 'timestamptz', nullable: true }) nextCheckAt: Date | null;
  @Column({ name: 'check_attempts', type: 'integer', default: 0 }) checkAttempts: number;
  /** Bumped on every transition: the order of this payment's events. */
  @Column({ type: 'integer', default: 0 }) version: number;
  @Column({ name: 'succeeded_at', type: 'timestamptz', nullable: true }) succeededAt: Date | null;
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true }) closedAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
