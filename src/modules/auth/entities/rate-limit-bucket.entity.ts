import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One app's token bucket, shared by every API process (auth README "Rate
 * limit"). Processes lease tokens from it in small chunks through
 * `paygrid_take_tokens`, so the quota holds across processes and hosts.
 */
@Entity('rate_limit_buckets')
export class RateLimitBucket {
  @PrimaryColumn({ name: 'app_id', type: 'text' })
  appId: string;

  @Column({ type: 'double precision' })
  tokens: number;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
