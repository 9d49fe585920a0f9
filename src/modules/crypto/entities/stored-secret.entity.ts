import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * Secrets the platform generates for itself (the card fingerprint key, the
 * sandbox providers' key material), encrypted with the key ring, shared by
 * every API and worker replica through the database.
 */
@Entity('stored_secrets')
export class StoredSecret {
  @PrimaryColumn({ type: 'text' }) id: string;
  @Column({ name: 'value_enc', type: 'text' }) valueEnc: string;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
