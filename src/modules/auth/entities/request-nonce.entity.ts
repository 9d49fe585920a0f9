import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A nonce seen on a signed request. The primary key is the replay check:
 * a second insert of (app_id, nonce) finds the row and the request is
 * refused. Rows live 15 minutes, longer than the ±300 s timestamp window.
 */
@Entity('request_nonces')
@Index('request_nonces_expires_at_idx', ['expiresAt'])
export class RequestNonce {
  @PrimaryColumn({ name: 'app_id', type: 'text' })
  appId: string;

  @PrimaryColumn({ type: 'text' })
  nonce: string;

  /** Part of the key: the shard column (docs/scaling.md), copied from the app. */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' })
  merchantId: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;
}
