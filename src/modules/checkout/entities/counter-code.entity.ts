import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A printed code at a shop counter: the payer scans it and enters the amount. */
@Entity('counter_codes')
@Index('counter_codes_merchant_id_idx', ['merchantId', 'id'])
export class CounterCode {
  @PrimaryColumn({ type: 'text' }) id: string;
  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' }) merchantId: string;
  @Column({ name: 'app_id', type: 'text' }) appId: string;
  @Column({ type: 'char', length: 3 }) currency: string;
  @Column({ type: 'text' }) subject: string;
  @Column({ type: 'jsonb' }) channels: string[];
  @Column({ name: 'return_url', type: 'text', nullable: true }) returnUrl: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
