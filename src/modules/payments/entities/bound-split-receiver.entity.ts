import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A receiver registered with a provider for a merchant (WeChat receivers/add, Alipay royalty.relation.bind), once. */
@Entity('split_receivers')
export class BoundSplitReceiver {
  @PrimaryColumn({ name: 'merchant_id', type: 'text' }) merchantId: string;
  @PrimaryColumn({ type: 'text' }) provider: string;
  @PrimaryColumn({ type: 'text' }) type: string;
  @PrimaryColumn({ type: 'text' }) account: string;
  @Column({ name: 'bound_at', type: 'timestamptz' }) boundAt: Date;
}
