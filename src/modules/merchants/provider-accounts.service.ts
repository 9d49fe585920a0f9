import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError, notFound, serviceUnavailable } from '../../common/errors/domain-error';
import { newId } from '../../common/ids/ids.util';
import { withTransaction } from '../../persistence/transaction.util';
import { Actor, AuditLogService } from '../admin/audit-log.service';
import { encryptionContext } from '../crypto/encrypted-column';
import { KeyRing } from '../crypto/key-ring';
import { ProviderRegistry } from '../providers/provider-registry';
import {
  canAuthorizeApps,
  type AppAuthGrant,
  type AppAuthResult,
  type AppAuthTokens,
} from '../providers/provider.port';
import { AuthoriseAlipayDto, UpsertProviderAccountDto } from './dto/provider-account.dto';
import { ProviderAccount, ProviderFamily } from './entities/provider-account.entity';
import { ALIPAY_REFRESH_WARN_DAYS, alipayWarning } from './alipay-authorisation-warning.util';
import { MerchantDirectory } from './merchant-directory';
import { MerchantsMetrics } from './merchants.metrics';
import { MerchantErrors } from './merchants.errors';
import { MerchantsRepository } from './merchants.repository';
import { toProviderAccountResponse } from './provider-accounts.mapper';

const FAMILIES: readonly ProviderFamily[] = ['wechat', 'alipay'];
const WECHAT_FIELDS = ['sub_mchid', 'sub_appid'] as const;
const ALIPAY_FIELDS = ['auth_app_id', 'app_auth_token', 'app_refresh_token', 'expires_in', 're_expires_in'] as const;
const TABLE = 'merchant_provider_accounts';
/**
 * Refresh-on-use window: a token expiring within it is refreshed by the call
 * that needs it (docs/provider-accounts.md "Token refresh"). Wide on purpose:
 * while the old token is still valid, a failed refresh costs nothing (the
 * call goes on with it) and the next use tries again.
 */
export const ALIPAY_REFRESH_BEFORE_MS = 30 * 86_400_000;

/** What a direct-mode Alipay merchant's calls act as. */
export interface AlipaySeller {
  authAppId: string;
  appAuthToken: string;
}

/**
 * A merchant's provider identities and money mode per channel family. The
 * Alipay tokens are encrypted with the key ring bound to their row, and never
 * leave this service in clear except to the provider adapter (orderRefOf, payments).
 *
 * The hot path (a create, a refund, a query) reads the accounts from the
 * configuration cache (MerchantDirectory): a change anywhere reaches every
 * process through the table's NOTIFY trigger; this process also drops its own
 * entry right after committing a change. Writes lock and re-read the row.
 */
@Injectable()
export class ProviderAccountsService {
  private readonly logger = new Logger(ProviderAccountsService.name);
  /** One refresh at a time per account in this process; other replicas are handled by re-reading the row. */
  private readonly refreshing = new Map<string, Promise<string | undefined>>();
  private readonly clearTokens = new WeakMap<ProviderAccount, string>();
  private readonly expiryWarned = new Map<string, number>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: MerchantsRepository,
    private readonly keyRing: KeyRing,
    private readonly audit: AuditLogService,
    private readonly registry: ProviderRegistry,
    private readonly directory: MerchantDirectory,
    private readonly metrics: MerchantsMetrics,
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
    const saved = await withTransaction(this.dataSource, async (tx) => {
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
        // A new refresh token from the operator: the old refusal no longer says anything.
        a.refreshFailedAt = null;
        a.refreshFailureCode = null;
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
    this.changed(saved);
    return saved;
  }

  /** The merchant's WeChat sub-merchant when its WeChat money goes direct; undefined in collected mode. */
  async wechatSubMerchant(merchantId: string): Promise<{ subMchid: string; subAppid: string | null } | undefined> {
    const a = (await this.directory.providerAccounts(merchantId)).find((x) => x.family === 'wechat');
    if (a?.mode !== 'direct' || !a.subMchid) return undefined;
    return { subMchid: a.subMchid, subAppid: a.subAppid };
  }

  /**
   * 第三方应用授权: exchanges the merchant's app_auth_code (alipay.open.auth.token.app,
   * grant_type=authorization_code) and stores the tokens encrypted, with the
   * merchant's auth_app_id and user id; the mode becomes `dto.mode` (default direct).
   * A refused code is the operator's 400 and changes nothing; no answer is a
   * 503 (the code may be spent: if a retry is refused, the merchant authorises again).
   */
  async authoriseAlipay(actor: Actor, merchantId: string, dto: AuthoriseAlipayDto): Promise<ProviderAccount> {
    if (!(await this.repo.findMerchant(merchantId))) throw MerchantErrors.merchantNotFound(merchantId);
    const r = await this.exchange({ grantType: 'authorization_code', code: dto.app_auth_code });
    if (!r.ok) {
      if (r.kind === 'refused')
        throw MerchantErrors.providerAccountInvalid(
          `Alipay refused the authorisation code (${r.providerCode ?? 'refused'})`,
          'app_auth_code',
        );
      throw serviceUnavailable('Alipay did not answer the token exchange; try again', 5);
    }
    const saved = await withTransaction(this.dataSource, async (tx) => {
      if (!(await this.repo.lockMerchant(tx, merchantId))) throw MerchantErrors.merchantNotFound(merchantId);
      const existing = await this.repo.lockProviderAccount(tx, merchantId, 'alipay');
      const now = new Date();
      const a = existing ?? newAccount(merchantId, 'alipay', now);
      const before = existing ? toProviderAccountResponse(existing) : null;
      this.storeTokens(a, r.tokens, now);
      a.mode = dto.mode ?? 'direct';
      a.updatedAt = now;
      await this.repo.saveProviderAccount(tx, a);
      await this.audit.record(tx, actor, {
        action: 'provider_account.authorise',
        targetType: 'merchant',
        targetId: merchantId,
        before,
        after: toProviderAccountResponse(a),
      });
      return a;
    });
    this.changed(saved);
    return saved;
  }

  /**
   * The merchant's Alipay identity when its Alipay money goes direct; undefined
   * in collected mode. The token is refreshed first when it is close to expiry.
   */
  async alipaySeller(merchantId: string): Promise<AlipaySeller | undefined> {
    const a = await this.alipayAccount(merchantId);
    if (a?.mode !== 'direct' || !a.appAuthTokenEnc || !a.authAppId) return undefined;
    return { authAppId: a.authAppId, appAuthToken: await this.currentToken(a) };
  }

  /**
   * The merchant's Alipay `app_auth_token` in clear, for the adapter's calls
   * about a trade made for it (whatever the mode is now); null when not
   * authorised. Refreshed on use when it expires within ALIPAY_REFRESH_BEFORE_MS.
   */
  async alipayAppAuthToken(merchantId: string): Promise<string | null> {
    const a = await this.alipayAccount(merchantId);
    if (!a?.appAuthTokenEnc) return null;
    return this.currentToken(a);
  }

  private async alipayAccount(merchantId: string): Promise<ProviderAccount | undefined> {
    return (await this.directory.providerAccounts(merchantId)).find((x) => x.family === 'alipay');
  }

  /** Our own committed change, seen by this process's next read at once (the others hear the trigger's NOTIFY). */
  private changed(a: ProviderAccount): void {
    this.directory.invalidate('merchant_provider_accounts', a.id, a.merchantId);
  }

  /**
   * Refresh-on-use. An expired token that could not be refreshed is an error
   * (the call would be refused): 409 when Alipay refused the refresh (the
   * merchant must authorise again), 503 when it did not answer.
   */
  private async currentToken(a: ProviderAccount): Promise<string> {
    this.warnIfExpiring(a);
    const expiresAt = a.tokenExpiresAt?.getTime();
    if (expiresAt === undefined || expiresAt - Date.now() > ALIPAY_REFRESH_BEFORE_MS || !a.appRefreshTokenEnc)
      return this.decryptToken(a);
    let failure: DomainError | undefined;
    try {
      const fresh = await this.refreshOnce(a);
      if (fresh) return fresh;
      failure = MerchantErrors.alipayAuthorisationExpired(a.merchantId);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      failure = err;
    }
    if (expiresAt > Date.now()) {
      this.logger.warn(
        { merchant_id: a.merchantId, code: failure.code },
        'alipay token refresh failed; token still valid',
      );
      return this.decryptToken(a);
    }
    throw failure;
  }

  /**
   * The refresh token itself expires (re_expires_in): only the merchant can
   * authorise again. Said in the log once a day per account and process, on
   * use, with ids and the date only; the metric and the admin field say it always.
   */
  private warnIfExpiring(a: ProviderAccount): void {
    if (alipayWarning(a, new Date()) !== 'refresh_token_expiring') return;
    const last = this.expiryWarned.get(a.id);
    if (last !== undefined && Date.now() - last < 86_400_000) return;
    this.expiryWarned.set(a.id, Date.now());
    this.logger.warn(
      { merchant_id: a.merchantId, refresh_expires_at: a.refreshExpiresAt!.toISOString() },
      `alipay authorisation expires within ${ALIPAY_REFRESH_WARN_DAYS} days: the merchant must authorise the app again`,
    );
  }

  /** One account by family; 404 when the merchant has none there. */
  async get(merchantId: string, family: string): Promise<ProviderAccount> {
    const fam = checkFamily(family);
    const a = (await this.list(merchantId)).find((x) => x.family === fam);
    if (!a) throw notFound('provider_account', fam);
    return a;
  }

  private refreshOnce(a: ProviderAccount): Promise<string | undefined> {
    const running = this.refreshing.get(a.id);
    if (running) return running;
    const p = this.refresh(a).finally(() => this.refreshing.delete(a.id));
    this.refreshing.set(a.id, p);
    return p;
  }

  /**
   * grant_type=refresh_token, outside any transaction (a provider call), then
   * the new pair is written under the row lock. Alipay retires the refresh
   * token it answered for, so when another replica refreshed first our refresh
   * is refused: the row then holds that replica's token, which is used.
   * Undefined: refused and nobody else refreshed.
   */
  private async refresh(a: ProviderAccount): Promise<string | undefined> {
    const refreshToken = this.keyRing.decrypt(
      a.appRefreshTokenEnc!,
      encryptionContext(TABLE, 'app_refresh_token_enc', a.id),
    );
    const r = await this.exchange({ grantType: 'refresh_token', refreshToken });
    // Whatever the outcome, the row may differ from the cached account (another replica refreshed, or we do now).
    const fresh = await withTransaction(this.dataSource, async (tx) => {
      const row = await this.repo.lockProviderAccount(tx, a.merchantId, 'alipay');
      if (!row?.appAuthTokenEnc) return undefined;
      const changed = row.appRefreshTokenEnc !== a.appRefreshTokenEnc;
      if (!r.ok) {
        if (changed) return this.decryptToken(row);
        if (r.kind === 'unknown') throw serviceUnavailable('Alipay did not answer the token refresh; try again', 5);
        this.logger.error({ merchant_id: a.merchantId, code: r.providerCode }, 'alipay refused the token refresh');
        // Kept on the row, so every process, the admin API and the metric see it until the merchant authorises again.
        row.refreshFailedAt = new Date();
        row.refreshFailureCode = r.providerCode ?? 'refused';
        await this.repo.saveProviderAccount(tx, row);
        this.metrics.refreshRefusals.inc();
        return undefined;
      }
      const now = new Date();
      this.storeTokens(row, r.tokens, now);
      row.updatedAt = now;
      await this.repo.saveProviderAccount(tx, row);
      return r.tokens.appAuthToken;
    });
    this.changed(a);
    return fresh;
  }

  private async exchange(grant: AppAuthGrant): Promise<AppAuthResult> {
    const alipay = this.registry.forProvider('alipay');
    if (!alipay || !canAuthorizeApps(alipay))
      throw MerchantErrors.providerAccountInvalid('Alipay is not configured on this install', 'family');
    return alipay.exchangeAppAuthToken(grant);
  }

  private storeTokens(a: ProviderAccount, t: AppAuthTokens, now: Date): void {
    a.authAppId = t.authAppId;
    a.alipayUserId = t.userId;
    a.appAuthTokenEnc = this.keyRing.encrypt(t.appAuthToken, encryptionContext(TABLE, 'app_auth_token_enc', a.id));
    a.appRefreshTokenEnc = this.keyRing.encrypt(
      t.appRefreshToken,
      encryptionContext(TABLE, 'app_refresh_token_enc', a.id),
    );
    a.tokenExpiresAt = new Date(now.getTime() + t.expiresIn * 1000);
    a.refreshExpiresAt = new Date(now.getTime() + t.reExpiresIn * 1000);
    a.refreshFailedAt = null;
    a.refreshFailureCode = null;
  }

  /** Decrypted once per cached account (frozen, replaced on any change); in process memory only, as keys are. */
  private decryptToken(a: ProviderAccount): string {
    const known = this.clearTokens.get(a);
    if (known !== undefined) return known;
    const token = this.keyRing.decrypt(a.appAuthTokenEnc!, encryptionContext(TABLE, 'app_auth_token_enc', a.id));
    if (Object.isFrozen(a)) this.clearTokens.set(a, token);
    return token;
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
  // The auth_app_id names the merchant's trades and is checked on every notification: without it nothing could be direct.
  if (a.family === 'alipay' && !a.authAppId)
    throw MerchantErrors.providerAccountInvalid('direct mode on alipay needs auth_app_id', 'auth_app_id');
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
    alipayUserId: null,
    appAuthTokenEnc: null,
    appRefreshTokenEnc: null,
    tokenExpiresAt: null,
    refreshExpiresAt: null,
    refreshFailedAt: null,
    refreshFailureCode: null,
    createdAt: now,
    updatedAt: now,
  });
