import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type PlatformKeyUse = 'sig' | 'enc';
export type PlatformKeyStatus = 'active' | 'retired';

/**
 * The platform's own key pairs: an Ed25519 key that signs `/v1` responses
 * and an RSA key merchants encrypt card data to. The private half is stored
 * only encrypted with the key ring. The partial unique index allows one
 * active key per use, so two replicas booting at once cannot both create one.
 */
@Entity('platform_keys')
@Index('platform_keys_one_active_per_use', ['use'], { unique: true, where: `status = 'active'` })
export class PlatformKey {
  /** `pk_…`, the JWKS `kid`. */
  @PrimaryColumn({ type: 'text' })
  id: string;

  /** JWK key type: `OKP` (Ed25519) or `RSA`. */
  @Column({ type: 'text' })
  kty: string;

  /** `EdDSA` for signing keys, `RSA-OAEP-256` for the card encryption key. */
  @Column({ type: 'text' })
  alg: string;

  @Column({ type: 'text' })
  use: PlatformKeyUse;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk: Record<string, unknown>;

  /** PKCS#8 PEM, encrypted with the key ring (context `platform_keys.private_key_enc:<id>`). */
  @Column({ name: 'private_key_enc', type: 'text' })
  privateKeyEnc: string;

  @Column({ type: 'text', default: 'active' })
  status: PlatformKeyStatus;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt: Date | null;

  /** A retired key stays published in the JWKS (and usable for decryption) until then. */
  @Column({ name: 'retire_after', type: 'timestamptz', nullable: true })
  retireAfter: Date | null;
}
