import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

export type ProviderFamily = 'wechat' | 'alipay';
/** `direct`: the provider settles to the merchant's own account (service-provider mode). `collected`: to the platform's. */
export type MoneyMode = 'direct' | 'collected';

/** A merchant's identity at one provider family and where that family's money goes. */
@Entity('merchant_provider_accounts')
@Index('merchant_provider_accounts_merchant_family_key', ['merchantId', 'family'], { unique: true })
export class ProviderAccount {
  @PrimaryColumn({ type: 'text' })
  id: string;

  /** Part of the key: the shard column (docs/scaling.md). */
  @PrimaryColumn({ name: 'merchant_id', type: 'text' })
  merchantId: string;

  @Column({ type: 'text' })
  family: ProviderFamily;

  @Column({ type: 'text', default: 'collected' })
  mode: MoneyMode;

  /** WeChat Pay sub-merchant number under the platform's `sp_mchid`. */
  @Column({ name: 'sub_mchid', type: 'text', nullable: true })
  subMchid: string | null;

  @Column({ name: 'sub_appid', type: 'text', nullable: true })
  subAppid: string | null;

  /** The Alipay app id the merchant authorised with (`auth_app_id` of alipay.open.auth.token.app). */
  @Column({ name: 'auth_app_id', type: 'text', nullable: true })
  authAppId: string | null;

  /** The authorising merchant's Alipay user id (2088…, `user_id` of alipay.open.auth.token.app): the seller of its trades. */
  @Column({ name: 'alipay_user_id', type: 'text', nullable: true })
  alipayUserId: string | null;

  /** Encrypted with the key ring; never returned. */
  @Column({ name: 'app_auth_token_enc', type: 'text', nullable: true })
  appAuthTokenEnc: string | null;

  /** Encrypted with the key ring; never returned. */
  @Column({ name: 'app_refresh_token_enc', type: 'text', nullable: true })
  appRefreshTokenEnc: string | null;

  @Column({ name: 'token_expires_at', type: 'timestamptz', nullable: true })
  tokenExpiresAt: Date | null;

  @Column({ name: 'refresh_expires_at', type: 'timestamptz', nullable: true })
  refreshExpiresAt: Date | null;

  /** When Alipay last refused to refresh the token (definitely: not a timeout); cleared by a successful refresh. */
  @Column({ name: 'refresh_failed_at', type: 'timestamptz', nullable: true })
  refreshFailedAt: Date | null;

  /** Alipay's code for that refusal (`sub_code`), never a token. */
  @Column({ name: 'refresh_failure_code', type: 'text', nullable: true })
  refreshFailureCode: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt: Date;
}
