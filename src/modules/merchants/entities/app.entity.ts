import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Channel } from '../../providers/provider.port';

export type AppStatus = 'active' | 'suspended';

/** A merchant's integration: its channels, its webhook endpoint, its keys. */
@Entity('apps')
@Index('apps_merchant_id_idx', ['merchantId'])
export class App {
  @PrimaryColumn({ type: 'text' })
  id: string;

  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' })
  merchantId: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text', default: 'active' })
  status: AppStatus;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  channels: Channel[];

  @Column({ name: 'webhook_url', type: 'text', nullable: true })
  webhookUrl: string | null;

  /** `whsec_…`, encrypted with the key ring. */
  @Column({ name: 'webhook_secret_enc', type: 'text', nullable: true })
  webhookSecretEnc: string | null;

  /** The previous secret during a rotation; both signatures are sent until it expires. */
  @Column({ name: 'previous_webhook_secret_enc', type: 'text', nullable: true })
  previousWebhookSecretEnc: string | null;

  @Column({ name: 'previous_webhook_secret_expires_at', type: 'timestamptz', nullable: true })
  previousWebhookSecretExpiresAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
