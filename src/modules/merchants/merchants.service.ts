import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createPublicKey, randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { conflict, notFound } from '../../common/errors/domain-error';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { newId } from '../../common/ids/ids.util';
import { ListQueryDto } from '../../common/http/pagination';
import { webhookUrlProblem } from '../../common/net/webhook-url.util';
import { withTransaction } from '../../persistence/transaction.util';
import { Actor, AuditLogService } from '../admin/audit-log.service';
import { encryptionContext } from '../crypto/encrypted-column';
import { KeyRing } from '../crypto/key-ring';
import { CreateAppDto, CreateKeyDto, UpdateAppDto } from './dto/app.dto';
import { CreateMerchantDto, UpdateMerchantDto } from './dto/merchant.dto';
import { App, AppStatus } from './entities/app.entity';
import { AppKey } from './entities/app-key.entity';
import { Merchant, MerchantStatus } from './entities/merchant.entity';
import { MerchantErrors } from './merchants.errors';
import { toAppResponse, toKeyResponse, toMerchantResponse } from './merchants.mapper';
import { MerchantDirectory } from './merchant-directory';
import { MerchantsRepository } from './merchants.repository';

const MAX_ACTIVE_KEYS = 2;

/** Onboarding: merchants, apps, credentials. Every write is audited in its own transaction. */
@Injectable()
export class MerchantsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly repo: MerchantsRepository,
    private readonly directory: MerchantDirectory,
    private readonly keyRing: KeyRing,
    private readonly audit: AuditLogService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async createMerchant(actor: Actor, dto: CreateMerchantDto): Promise<Merchant> {
    const now = new Date();
    const m = Object.assign(new Merchant(), {
      id: newId('mch'),
      name: dto.name,
      status: 'active' as const,
      settlementCurrency: dto.settlement_currency ?? 'CNY',
      timezone: dto.timezone ?? 'Asia/Shanghai',
      feeBps: dto.fee_bps ?? 0,
      settlementDelayDays: dto.settlement_delay_days ?? 1,
      createdAt: now,
      updatedAt: now,
    });
    await withTransaction(this.dataSource, async (tx) => {
      await this.repo.saveMerchant(tx, m);
      await this.audit.record(tx, actor, {
        action: 'merchant.create',
        targetType: 'merchant',
        targetId: m.id,
        after: toMerchantResponse(m),
      });
    });
    return m;
  }

  async getMerchant(id: string): Promise<Merchant> {
    const m = await this.repo.findMerchant(id);
    if (!m) throw MerchantErrors.merchantNotFound(id);
    return m;
  }

  listMerchants(query: ListQueryDto, status?: MerchantStatus): Promise<Merchant[]> {
    return this.repo.listMerchants(query, status);
  }

  async updateMerchant(actor: Actor, id: string, dto: UpdateMerchantDto): Promise<Merchant> {
    return this.changeMerchant(actor, id, 'merchant.update', (m) => {
      if (dto.name !== undefined) m.name = dto.name;
      if (dto.settlement_currency !== undefined) m.settlementCurrency = dto.settlement_currency;
      if (dto.timezone !== undefined) m.timezone = dto.timezone;
      if (dto.fee_bps !== undefined) m.feeBps = dto.fee_bps;
      if (dto.settlement_delay_days !== undefined) m.settlementDelayDays = dto.settlement_delay_days;
    });
  }

  setMerchantStatus(actor: Actor, id: string, status: MerchantStatus): Promise<Merchant> {
    return this.changeMerchant(actor, id, status === 'suspended' ? 'merchant.suspend' : 'merchant.activate', (m) => {
      m.status = status;
    });
  }

  private async changeMerchant(
    actor: Actor,
    id: string,
    action: string,
    change: (m: Merchant) => void,
  ): Promise<Merchant> {
    const merchant = await withTransaction(this.dataSource, async (tx) => {
      const m = await this.repo.lockMerchant(tx, id);
      if (!m) throw MerchantErrors.merchantNotFound(id);
      const before = toMerchantResponse(m);
      change(m);
      m.updatedAt = new Date();
      await this.repo.saveMerchant(tx, m);
      await this.audit.record(tx, actor, {
        action,
        targetType: 'merchant',
        targetId: id,
        before,
        after: toMerchantResponse(m),
      });
      return m;
    });
    // This process sees its own change at once; the others within milliseconds (NOTIFY at commit).
    this.directory.invalidate('merchants', id);
    return merchant;
  }

  /** Returns the app and, when a webhook URL was set, its `whsec_…` secret (shown this once). */
  async createApp(actor: Actor, merchantId: string, dto: CreateAppDto): Promise<{ app: App; webhookSecret?: string }> {
    this.checkWebhookUrl(dto.webhook_url);
    const created = await withTransaction(this.dataSource, async (tx) => {
      const merchant = await this.repo.lockMerchant(tx, merchantId);
      if (!merchant) throw MerchantErrors.merchantNotFound(merchantId);
      const now = new Date();
      const app = Object.assign(new App(), {
        id: newId('app'),
        merchantId,
        name: dto.name,
        status: 'active' as const,
        channels: dto.channels,
        webhookUrl: dto.webhook_url ?? null,
        webhookSecretEnc: null,
        previousWebhookSecretEnc: null,
        previousWebhookSecretExpiresAt: null,
        createdAt: now,
        updatedAt: now,
      });
      const webhookSecret = dto.webhook_url ? this.newWebhookSecret(app) : undefined;
      await this.repo.saveApp(tx, app);
      await this.audit.record(tx, actor, {
        action: 'app.create',
        targetType: 'app',
        targetId: app.id,
        after: toAppResponse(app),
      });
      return { app, webhookSecret };
    });
    this.directory.invalidate('apps', created.app.id, merchantId);
    return created;
  }

  async getApp(id: string): Promise<App> {
    const app = await this.repo.findApp(id);
    if (!app) throw MerchantErrors.appNotFound(id);
    return app;
  }

  async listApps(merchantId: string): Promise<App[]> {
    await this.getMerchant(merchantId);
    return this.repo.listApps(merchantId);
  }

  async updateApp(actor: Actor, id: string, dto: UpdateAppDto): Promise<{ app: App; webhookSecret?: string }> {
    if (typeof dto.webhook_url === 'string') this.checkWebhookUrl(dto.webhook_url);
    return this.changeApp(actor, id, 'app.update', (app) => {
      if (dto.name !== undefined) app.name = dto.name;
      if (dto.channels !== undefined) app.channels = dto.channels;
      if (dto.webhook_url !== undefined) {
        const hadSecret = Boolean(app.webhookSecretEnc);
        app.webhookUrl = dto.webhook_url;
        if (dto.webhook_url === null) app.webhookSecretEnc = null;
        else if (!hadSecret) return this.newWebhookSecret(app);
      }
      return undefined;
    });
  }

  setAppStatus(actor: Actor, id: string, status: AppStatus): Promise<{ app: App }> {
    return this.changeApp(actor, id, status === 'suspended' ? 'app.suspend' : 'app.activate', (app) => {
      app.status = status;
      return undefined;
    });
  }

  private async changeApp(
    actor: Actor,
    id: string,
    action: string,
    change: (app: App) => string | undefined,
  ): Promise<{ app: App; webhookSecret?: string }> {
    const result = await withTransaction(this.dataSource, async (tx) => {
      const app = await this.repo.lockApp(tx, id);
      if (!app) throw MerchantErrors.appNotFound(id);
      const before = toAppResponse(app);
      const webhookSecret = change(app);
      app.updatedAt = new Date();
      await this.repo.saveApp(tx, app);
      await this.audit.record(tx, actor, {
        action,
        targetType: 'app',
        targetId: id,
        before,
        after: toAppResponse(app),
      });
      return { app, webhookSecret };
    });
    this.directory.invalidate('apps', id, result.app.merchantId);
    return result;
  }

  /** Issues a key. For HMAC the secret is returned this once and stored only encrypted. */
  async createKey(actor: Actor, appId: string, dto: CreateKeyDto): Promise<{ key: AppKey; secret?: string }> {
    const publicKeyPem = dto.type === 'rsa' ? this.checkRsaPublicKey(dto.public_key) : null;
    return withTransaction(this.dataSource, async (tx) => {
      // The app row lock serialises concurrent key creation, so the two-key limit holds.
      const app = await this.repo.lockApp(tx, appId);
      if (!app) throw MerchantErrors.appNotFound(appId);
      if ((await this.repo.countActiveKeys(tx, appId)) >= MAX_ACTIVE_KEYS) throw MerchantErrors.tooManyKeys();
      const key: AppKey = Object.assign(new AppKey(), {
        id: newId('key'),
        appId,
        merchantId: app.merchantId,
        type: dto.type,
        // Minted in the instance's mode; a live instance refuses test keys (request-verifier.service.ts).
        mode: this.config.mode === 'live' ? ('live' as const) : ('test' as const),
        secretEnc: null as string | null,
        publicKeyPem,
        status: 'active' as const,
        expiresAt: null,
        createdAt: new Date(),
        revokedAt: null,
      });
      let secret: string | undefined;
      if (dto.type === 'hmac') {
        // sk_test_… / sk_live_…: a person sees at a glance which kind of instance a secret belongs to.
        secret = `sk_${key.mode}_${randomBytes(32).toString('base64url')}`;
        key.secretEnc = this.keyRing.encrypt(secret, encryptionContext('app_keys', 'secret_enc', key.id));
      }
      await this.repo.saveKey(tx, key);
      await this.audit.record(tx, actor, {
        action: 'key.create',
        targetType: 'key',
        targetId: key.id,
        after: toKeyResponse(key),
      });
      return { key, secret };
    });
  }

  async listKeys(appId: string): Promise<AppKey[]> {
    await this.getApp(appId);
    return this.repo.listKeys(appId);
  }

  async revokeKey(actor: Actor, appId: string, keyId: string): Promise<AppKey> {
    const revoked = await withTransaction(this.dataSource, async (tx) => {
      const app = await this.repo.lockApp(tx, appId);
      if (!app) throw MerchantErrors.appNotFound(appId);
      const key = await this.repo.findKey(keyId, tx);
      if (!key || key.appId !== appId) throw MerchantErrors.keyNotFound(keyId);
      if (key.status === 'revoked') return key;
      const before = toKeyResponse(key);
      key.status = 'revoked';
      key.revokedAt = new Date();
      await this.repo.saveKey(tx, key);
      await this.audit.record(tx, actor, {
        action: 'key.revoke',
        targetType: 'key',
        targetId: key.id,
        before,
        after: toKeyResponse(key),
      });
      return key;
    });
    this.directory.invalidate('app_keys', keyId);
    return revoked;
  }

  /** The clear HMAC secret of a key, for request verification. */
  decryptKeySecret(key: AppKey): string {
    return this.keyRing.decrypt(key.secretEnc!, encryptionContext('app_keys', 'secret_enc', key.id));
  }

  /** Locks the app's row in the caller's transaction (other modules serialise app-level changes on it). */
  lockApp(manager: EntityManager, id: string): Promise<App | null> {
    return this.repo.lockApp(manager, id);
  }

  /**
   * New `whsec_…` secret; the current one becomes the previous secret and
   * stays valid (both signatures sent) for the overlap. Returned this once.
   */
  async rotateWebhookSecret(
    actor: Actor,
    appId: string,
    overlapSeconds: number,
  ): Promise<{ app_id: string; webhook_secret: string; previous_secret_expires_at: string }> {
    const rotated = await withTransaction(this.dataSource, async (manager) => {
      const app = await this.repo.lockApp(manager, appId);
      if (!app) throw notFound('app', appId);
      if (!app.webhookSecretEnc)
        throw conflict('webhook_not_configured', 'The app has no webhook endpoint, so there is no secret to rotate');
      const current = this.keyRing.decrypt(
        app.webhookSecretEnc,
        encryptionContext('apps', 'webhook_secret_enc', app.id),
      );
      const secret = `whsec_${randomBytes(32).toString('base64')}`;
      const expiresAt = new Date(Date.now() + overlapSeconds * 1000);
      app.previousWebhookSecretEnc = this.keyRing.encrypt(
        current,
        encryptionContext('apps', 'previous_webhook_secret_enc', app.id),
      );
      app.previousWebhookSecretExpiresAt = expiresAt;
      app.webhookSecretEnc = this.keyRing.encrypt(secret, encryptionContext('apps', 'webhook_secret_enc', app.id));
      app.updatedAt = new Date();
      await this.repo.saveApp(manager, app);
      // Never the secrets themselves in the audit log.
      await this.audit.record(manager, actor, {
        action: 'app.webhook_secret.rotate',
        targetType: 'app',
        targetId: app.id,
        after: { previous_secret_expires_at: expiresAt.toISOString(), overlap_seconds: overlapSeconds },
      });
      return {
        merchantId: app.merchantId,
        answer: { app_id: app.id, webhook_secret: secret, previous_secret_expires_at: expiresAt.toISOString() },
      };
    });
    this.directory.invalidate('apps', appId, rotated.merchantId);
    return rotated.answer;
  }

  private newWebhookSecret(app: App): string {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    app.webhookSecretEnc = this.keyRing.encrypt(secret, encryptionContext('apps', 'webhook_secret_enc', app.id));
    return secret;
  }

  private checkWebhookUrl(url: string | undefined): void {
    if (url === undefined) return;
    const problem = webhookUrlProblem(url, this.config.webhookAllowLoopback);
    if (problem) throw MerchantErrors.webhookUrlInvalid(problem);
  }

  private checkRsaPublicKey(pem: string | undefined): string {
    if (!pem) throw MerchantErrors.publicKeyInvalid('public_key is required for an rsa key');
    try {
      const key = createPublicKey(pem);
      if (key.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
      if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
        throw MerchantErrors.publicKeyInvalid('RSA keys must be at least 2048 bits');
      return key.export({ type: 'spki', format: 'pem' }).toString();
    } catch (err) {
      if (err instanceof Error && err.name === 'DomainError') throw err;
      throw MerchantErrors.publicKeyInvalid('public_key must be a PEM-encoded RSA public key');
    }
  }
}
