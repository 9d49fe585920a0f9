import { Column, Entity, PrimaryColumn } from 'typeorm';

export type WebhookEndpointStatus = 'enabled' | 'disabled';

/**
 * Health of an app's webhook endpoint. `failing_since` is set by the first
 * failure after a success and cleared by a success; a delivery that exhausts
 * its schedule while it is set disables the endpoint.
 */
@Entity('webhook_endpoint_states')
export class WebhookEndpointState {
  @PrimaryColumn({ name: 'app_id', type: 'text' })
  appId: string;

  /** Part of the key: the shard column (docs/scaling.md), copied from the app. */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' })
  merchantId: string;

  @Column({ type: 'text', default: 'enabled' })
  status: WebhookEndpointStatus;

  @Column({ name: 'consecutive_failures', type: 'integer', default: 0 })
  consecutiveFailures: number;

  @Column({ name: 'failing_since', type: 'timestamptz', nullable: true })
  failingSince: Date | null;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt: Date | null;

  @Column({ name: 'disabled_reason', type: 'text', nullable: true })
  disabledReason: string | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
