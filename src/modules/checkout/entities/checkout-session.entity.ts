import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../../../common/money/bigint.transformer';

export type CheckoutSessionStatus = 'open' | 'complete' | 'expired';

@Entity('checkout_sessions')
@Index('checkout_sessions_app_out_trade_no_key', ['appId', 'outTradeNo', 'merchantId'], { unique: true })
@Index('checkout_sessions_merchant_id_idx', ['merchantId', 'id'])
@Index('checkout_sessions_open_expires_at_idx', ['expiresAt'], { where: "status = 'open'" })
export class CheckoutSession {
  @PrimaryColumn({ type: 'text' }) id: string;
  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' }) merchantId: string;
  @Column({ name: 'app_id', type: 'text' }) appId: string;
  @Column({ name: 'out_trade_no', type: 'text' }) outTradeNo: string;
  @Column({ type: 'bigint', transformer: bigintTransformer }) amount: bigint;
  @Column({ type: 'char', length: 3 }) currency: string;
  @Column({ type: 'text' }) subject: string;
  /** The channels the payer may choose from, in the merchant's order. */
  @Column({ type: 'jsonb' }) channels: string[];
  @Column({ name: 'return_url', type: 'text', nullable: true }) returnUrl: string | null;
  @Column({ type: 'text' }) status: CheckoutSessionStatus;
  /** The payment of the payer's latest choice of channel; the one that paid once complete. */
  @Column({ name: 'payment_id', type: 'text', nullable: true }) paymentId: string | null;
  /** Payments started so far (one per choice of channel), bounded so a page cannot mint orders forever. */
  @Column({ type: 'integer', default: 0 }) attempts: number;
  @Column({ name: 'counter_code_id', type: 'text', nullable: true }) counterCodeId: string | null;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true }) completedAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
