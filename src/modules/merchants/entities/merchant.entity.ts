import { Column, Entity, PrimaryColumn } from 'typeorm';

export type MerchantStatus = 'active' | 'suspended';

@Entity('merchants')
export class Merchant {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', default: 'active' })
  status: MerchantStatus;

  @Column({ name: 'settlement_currency', type: 'char', length: 3, default: 'CNY' })
  settlementCurrency: string;

  /** IANA zone; settlement days are cut at midnight here. */
  @Column({ type: 'text', default: 'Asia/Shanghai' })
  timezone: string;

  /** Platform fee in basis points of each succeeded payment. */
  @Column({ name: 'fee_bps', type: 'integer', default: 0 })
  feeBps: number;

  /** Settle T+N days after the business day. */
  @Column({ name: 'settlement_delay_days', type: 'integer', default: 1 })
  settlementDelayDays: number;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
