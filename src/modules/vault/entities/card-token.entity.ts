import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * A vaulted card: the number only encrypted with the key ring, a keyed
 * fingerprint (HMAC) to recognise the same card, and what may be shown.
 * The CVC is never stored.
 */
@Entity('card_tokens')
@Index('card_tokens_merchant_fingerprint_key', ['merchantId', 'fingerprint'], { unique: true })
export class CardToken {
  @PrimaryColumn({ type: 'text' }) id: string;
  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' }) merchantId: string;
  @Column({ type: 'text' }) fingerprint: string;
  @Column({ name: 'pan_enc', type: 'text' }) panEnc: string;
  @Column({ name: 'holder_name_enc', type: 'text', nullable: true }) holderNameEnc: string | null;
  @Column({ type: 'text' }) brand: string;
  @Column({ type: 'char', length: 4 }) last4: string;
  @Column({ name: 'exp_month', type: 'integer' }) expMonth: number;
  @Column({ name: 'exp_year', type: 'integer' }) expYear: number;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
