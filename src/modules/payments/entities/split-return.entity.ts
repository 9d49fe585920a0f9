import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { bigintTransformer } from '../../../common/money/bigint.transformer';
import type { SplitStatus } from './split.entity';

/** Money a receiver gives back from a split (WeChat return-orders); our id is out_return_no. */
@Entity('split_returns')
@Index('split_returns_split_id_idx', ['splitId', 'id'])
@Index('split_returns_next_check_idx', ['nextCheckAt'], { where: 'next_check_at IS NOT NULL' })
export class SplitReturn {
  @PrimaryColumn({ type: 'text' }) id: string;
  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' }) merchantId: string;
  @Column({ name: 'split_id', type: 'text' }) splitId: string;
  @Column({ name: 'payment_id', type: 'text' }) paymentId: string;
  @Column({ name: 'receiver_account', type: 'text' }) receiverAccount: string;
  @Column({ type: 'bigint', transformer: bigintTransformer }) amount: bigint;
  @Column({ type: 'char', length: 3 }) currency: string;
  @Column({ type: 'text' }) description: string;
  @Column({ type: 'text' }) status: SplitStatus;
  @Column({ name: 'provider_return_id', type: 'text', nullable: true }) providerReturnId: string | null;
  @Column({ name: 'failure_code', type: 'text', nullable: true }) failureCode: string | null;
  @Column({ name: 'failure_message', type: 'text', nullable: true }) failureMessage: string | null;
  @Column({ name: 'next_check_at', type: 'timestamptz', nullable: true }) nextCheckAt: Date | null;
  @Column({ name: 'check_attempts', type: 'integer', default: 0 }) checkAttempts: number;
  @Column({ name: 'succeeded_at', type: 'timestamptz', nullable: true }) succeededAt: Date | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
