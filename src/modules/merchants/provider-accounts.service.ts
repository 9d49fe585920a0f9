import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { newId } from '../../common/ids/ids.util';
import { withTransaction } from '../../persistence/transaction.util';
import { Actor, AuditLogService } from '../admin/audit-log.service';
import { encryptionContext } from '../crypto/encrypted-column';
import { KeyRing } from '../crypto/key-ring';
import { UpsertProviderAccountDto } from './dto/provider-account.dto';
import { ProviderAccount, ProviderFamily } from './entities/provider-account.entity';
import { MerchantErrors } from './merchants.errors';
import { MerchantsRepository } from './merchants.repository';
import { toProviderAccountResponse } from './provider-accounts.mapper';

const FAMILIES: readonly ProviderFamily[] = ['wechat', 'alipay'];
const WECHAT_FIELDS = ['sub_mchid', 'sub_appid'] as const;
const ALIPAY_FIELDS = ['auth_app_id', 'app_auth_token', 'app_refresh_token', 'expires_in', 're_expires_in'] as const;
const TABLE = 'merchant_provider_accounts';

/**
 * A merchant's provider identities and money mode per channel family. The
 * Alipay tokens are encrypted with the key ring bound to their row, and never
 * leave this service in clear except to the provider adapter (later work).
 */
@Injectable()
export class ProviderAccountsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: MerchantsRepository,
    private readonly keyRing: KeyRing,
    private readonly audit: AuditLogService,
  ) {}

  async list(merchantId: string): Promise<ProviderAccount[]> {
    if (!(await this.repo.findMerchant(merchantId))) throw MerchantErrors.merchantNotFound(merchantId);
    return this.repo.listProviderAccounts(merchantId);
  }

  /** Creates the family's account or changes the fields given; omitted fields keep their value. */
  async upsert(
    actor: Actor,
    merchantId: string,
    family: string,
    dto: UpsertProviderAccountDto,
  ): Promise<ProviderAccount> {
    const fam = checkFamily(family);
    const foreign = fam === 'wechat' ? ALIPAY_FIELDS : WECHAT_FIELDS;
    for (const f of foreign)
      if (dto[f] !== undefined) throw MerchantErrors.providerAccountInvalid(`${f} does not apply to ${fam}`, f);
    return withTransaction(this.dataSource, async (tx) => {
      if (!(await this.repo.lockMerchant(tx, merchantId))) throw MerchantErrors.merchantNotFound(merchantId);
      const existing = await this.repo.lockProviderAccount(tx, merchantId, fam);
      const now = new Date();
      const a = existing ?? newAccount(merchantId, fam, now);
      const before = existing ? toProviderAccountResponse(existing) : null;
      if (dto.mode !== undefined) a.mode = dto.mode;
      if (dto.sub_mchid !== undefined) a.subMchid = dto.sub_mchid;
      if (dto.sub_appid !== undefined) a.subAppid = dto.sub_appid;
      if (dto.auth_app_id !== undefined) a.authAppId = dto.auth_app_id;
      if (dto.app_auth_token !== undefined) {
        a.appAuthTokenEnc = this.keyRing.encrypt(
          dto.app_auth_token,
          encryptionContext(TABLE, 'app_auth_token_enc', a.id),
        );
        a.tokenExpiresAt = dto.expires_in ? new Date(now.getTime() + dto.expires_in * 1000) : null;
      } else if (dto.expires_in !== undefined) {
        throw MerchantErrors.providerAccountInvalid('expires_in needs app_auth_token', 'expires_in');
      }
      if (dto.app_refresh_token !== undefined) {
        a.appRefreshTokenEnc = this.keyRing.encrypt(
          dto.app_refresh_token,
          encryptionContext(TABLE, 'app_refresh_token_enc', a.id),
        );
        a.refreshExpiresAt = dto.re_expires_in ? new Date(now.getTime() + dto.re_expires_in * 1000) : null;
      } else if (dto.re_expires_in !== undefined) {
        throw MerchantErrors.providerAccountInvalid('re_expires_in needs app_refresh_token', 're_expires_in');
      }
      checkDirectReady(a);
      a.updatedAt = now;
      await this.repo.saveProviderAccount(tx, a);
      await this.audit.record(tx, actor, {
        action: existing ? 'provider_account.update' : 'provider_account.create',
        targetType: 'merchant',
        targetId: merchantId,
        before,
        after: toProviderAccountResponse(a),
      });
      return a;
    });
  }

  /** The merchant's WeChat sub-merchant when its WeChat money goes direct; undefined in collected mode. */
  async wechatSubMerchant(merchantId: string): Promise<{ subMchid: string; subAppid: string | null } | undefined> {
    const a = (await this.repo.listProviderAccounts(merchantId)).find((x) => x.family === 'wechat');
    if (a?.mode !== 'direct' || !a.subMchid) return undefined;
    return { subMchid: a.subMchid, subAppid: a.subAppid };
  }

  /** The merchant's Alipay `app_auth_token` in clear, for the adapter's calls; null when not authorised. */
  async alipayAppAuthToken(merchantId: string): Promise<string | null> {
    const a = (await this.repo.listProviderAccounts(merchantId)).find((x) => x.family === 'alipay');
    if (!a?.appAuthTokenEnc) return null;
    return this.keyRing.decrypt(a.appAuthTokenEnc, encryptionContext(TABLE, 'app_auth_token_enc', a.id));
  }
}

const checkFamily = (family: string): ProviderFamily => {
  if (!(FAMILIES as readonly string[]).includes(family)) throw MerchantErrors.providerFamilyUnknown(family);
  return family as ProviderFamily;
};

/** Direct mode without the merchant's identity would send its buyers' money nowhere: refuse it. */
const checkDirectReady = (a: ProviderAccount): void => {
  if (a.mode !== 'direct') return;
  if (a.family === 'wechat' && !a.subMchid)
    throw MerchantErrors.providerAccountInvalid('direct mode on wechat needs sub_mchid', 'sub_mchid');
  if (a.family === 'alipay' && !a.appAuthTokenEnc)
    throw MerchantErrors.providerAccountInvalid('direct mode on alipay needs app_auth_token', 'app_auth_token');
};

const newAccount = (merchantId: string, family: ProviderFamily, now: Date): ProviderAccount =>
  Object.assign(new ProviderAccount(), {
    id: newId('mpa'),
    merchantId,
    family,
    mode: 'collected' as const,
    subMchid: null,
    subAppid: null,
    authAppId: null,
    appAuthTokenEnc: null,
    appRefreshTokenEnc: null,
    tokenExpiresAt: null,
    refreshExpiresAt: null,
    createdAt: now,
    updatedAt: now,
  });
