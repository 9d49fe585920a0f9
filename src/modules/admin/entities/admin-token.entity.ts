import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type AdminRole = 'admin' | 'viewer';

/** An operator's bearer token. Only the SHA-256 of the token is stored. */
@Entity('admin_tokens')
@Index('admin_tokens_token_hash_key', ['tokenHash'], { unique: true })
export class AdminToken {
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  role: AdminRole;

  @Column({ name: 'token_hash', type: 'text' })
  tokenHash: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
