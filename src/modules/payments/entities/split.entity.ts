import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../../../common/money/bigint.transformer';

export type SplitStatus = 'pending' | 'succeeded' | 'failed';

/**
 * One receiver line of a split, as stored (amounts as decimal strings: jsonb
 * has no bigint). The receiver's real name is not kept: it is only needed to
 * register the receiver at the provider, which happens before the split.
 */
export interface SplitReceiverLine {
  type: 'merchant' | 'personal';
  account: string;
  amount: string;
  description: string;
  /** The platform's own receiver (its commission): posted against the fee receivable, docs/ledger.md "Splits". */
  platform: boolean;
  /** Returned by this receiver so far (succeeded returns). */
  returned: string;
  /** The provider's answer for this line (WeChat receivers[].result), for support. */
  result?: string;
  fail_reason?: string;
}

/**
 * A split (kind `split`) of a profit-sharing payment to receivers, or the
 * release (kind `release`) of what was not split to the merchant. Our id is
 * the provider's idempotency key (WeChat out_order_no, Alipay out_request_no).
 */
@Entity('splits')
@Index('splits_payment_id_idx', ['paymentId', 'id'])
@Index('splits_merchant_id_idx', ['merchantId', 'id'])
@Index('splits_next_check_idx', ['nextCheckAt'], { where: 'next_check_at IS NOT NULL' })
export class Split {
  @PrimaryColumn({ type: 'text' }) id: string;
  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' }) merchantId: string;
  @Column({ name: 'app_id', type: 'text' }) appId: string;
  @Column({ name: 'payment_id', type: 'text' }) paymentId: string;
  @Column({ type: 'text' }) kind: 'split' | 'release';
  /** The sum of the receivers' amounts (0 for a release: the provider tells what it unfroze). */
  @Column({ type: 'bigint', transformer: bigintTransformer }) amount: bigint;
  @Column({ name: 'amount_returned', type: 'bigint', default: 0, transformer: bigintTransformer })
  amountReturned: bigint;
  /** Returns pending or succeeded: the per-split limit is taken here with a conditional update. */
  @Column({ name: 'amount_return_reserved', type: 'bigint', default: 0, transformer: bigintTransformer })
  amountReturnReserved: bigint;
  @Column({ type: 'char', length: 3 }) currency: string;
  @Column({ type: 'jsonb', default: () => "'[]'" }) receivers: SplitReceiverLine[];
  /** Release the unsplit remainder once this split is done (WeChat unfreeze_unsplit). */
  @Column({ type: 'boolean', default: false }) finish: boolean;
  @Column({ type: 'text' }) status: SplitStatus;
  /** The provider's id of the split order (WeChat order_id, Alipay settle_no). */
  @Column({ name: 'provider_split_id', type: 'text', nullable: true }) providerSplitId: string | null;
  /** `creating` until the provider answered once, `unknown` after a timeout, then `created`. */
  @Column({ name: 'provider_state', type: 'text', default: 'creating' }) providerState:
    'creating' | 'created' | 'unknown';
  @Column({ name: 'failure_code', type: 'text', nullable: true }) failureCode: string | null;
  @Column({ name: 'failure_message', type: 'text', nullable: true }) failureMessage: string | null;
  @Column({ name: 'next_check_at', type: 'timestamptz', nullable: true }) nextCheckAt: Date | null;
  @Column({ name: 'check_attempts', type: 'integer', default: 0 }) checkAttempts: number;
  @Column({ name: 'succeeded_at', type: 'timestamptz', nullable: true }) succeededAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
