import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type AppKeyType = 'hmac' | 'rsa';
export type AppKeyStatus = 'active' | 'revoked';
/** The instance mode a key was minted in: a live instance refuses `test` keys. */
export type AppKeyMode = 'test' | 'live';

/** A credential an app signs requests with. HMAC secrets are stored only encrypted. */
@Entity('app_keys')
@Index('app_keys_app_id_idx', ['appId'])
export class AppKey {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ name: 'app_id', type: 'text' })
  appId: string;

  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' })
  merchantId: string;

  @Column({ type: 'text' })
  type: AppKeyType;

  @Column({ name: 'secret_enc', type: 'text', nullable: true })
  secretEnc: string | null;

  @Column({ name: 'public_key_pem', type: 'text', nullable: true })
  publicKeyPem: string | null;

  @Column({ type: 'text' })
  mode: AppKeyMode;

  @Column({ type: 'text', default: 'active' })
  status: AppKeyStatus;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
