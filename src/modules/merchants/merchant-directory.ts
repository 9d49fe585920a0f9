import { Injectable } from '@nestjs/common';
import { KeyObject, createPublicKey, createSecretKey } from 'node:crypto';
import type { Channel } from '../providers/provider.port';
import { encryptionContext } from '../crypto/encrypted-column';
import { KeyRing } from '../crypto/key-ring';
import type { AppStatus } from './entities/app.entity';
import type { AppKeyMode, AppKeyStatus, AppKeyType } from './entities/app-key.entity';
import type { MerchantStatus } from './entities/merchant.entity';
import type { ProviderAccount } from './entities/provider-account.entity';
import { AppRow, KeyRow, MerchantRow, MerchantsRepository } from './merchants.repository';

export interface MerchantView {
  id: string;
  name: string;
  status: MerchantStatus;
  settlementCurrency: string;
  timezone: string;
  feeBps: number;
  settlementDelayDays: number;
}

export interface AppView {
  id: string;
  merchantId: string;
  name: string;
  status: AppStatus;
  channels: readonly Channel[];
  webhookUrl: string | null;
}

export interface WebhookEndpoint {
  appId: string;
  merchantId: string;
  url: string;
  /** The current secret first, then (during a rotation) the previous one. */
  secrets: string[];
}

/** A key with what verifying a request needs: its material (decrypted) and its app's and merchant's state. */
export interface KeyCredential {
  id: string;
  appId: string;
  merchantId: string;
  type: AppKeyType;
  mode: AppKeyMode;
  status: AppKeyStatus;
  expiresAt: Date | null;
  /** HMAC secret or RSA public key, ready for node:crypto. */
  material: KeyObject;
  app: AppView;
  merchant: MerchantView;
}

export type ConfigTable = 'merchants' | 'apps' | 'app_keys' | 'merchant_provider_accounts';

interface CachedApp {
  view: AppView;
  endpoint: { secret: string | null; previous: string | null; previousExpiresAt: number } | null;
}

interface CachedKey {
  id: string;
  appId: string;
  merchantId: string;
  type: AppKeyType;
  mode: AppKeyMode;
  status: AppKeyStatus;
  expiresAt: Date | null;
  material: KeyObject;
}

/** Entries per map; past it new entries are served but not kept (a bound on memory, not a correctness rule). */
const MAX_ENTRIES = 100_000;

/**
 * The merchants module's read port: what other modules need about merchants,
 * apps, keys and provider accounts, served from this process's memory.
 *
 * Freshness: every change to those tables NOTIFYs `paygrid_config` at commit
 * (a trigger, so the CLI and psql are covered too). ConfigChangeListener
 * drops the changed entries within milliseconds on every process, and the
 * whole cache every CONFIG_CACHE_REFRESH_MS as a safety net. While the
 * listener is not connected (`live` false) nothing is cached: every read goes
 * to the database, so a missed notification can never leave a revoked key
 * usable. A load that raced with an invalidation is served but not kept.
 */
@Injectable()
export class MerchantDirectory {
  private readonly merchants = new Map<string, MerchantView>();
  private readonly apps = new Map<string, CachedApp>();
  private readonly appsByMerchant = new Map<string, readonly string[]>();
  private readonly keys = new Map<string, CachedKey>();
  /** By merchant id: its provider accounts (none for a merchant whose money is all collected). */
  private readonly providerAccountsByMerchant = new Map<string, readonly ProviderAccount[]>();
  private live = false;
  /** Bumped by every invalidation: a load that started before one must not be cached. */
  private epoch = 0;

  constructor(
    private readonly repo: MerchantsRepository,
    private readonly keyRing: KeyRing,
  ) {}

  async findMerchant(id: string): Promise<MerchantView | null> {
    return this.cached(this.merchants, id, async () => {
      const row = await this.repo.loadMerchantRow(id);
      return row && toMerchantView(row);
    });
  }

  async merchantStatus(id: string): Promise<MerchantStatus | null> {
    return (await this.findMerchant(id))?.status ?? null;
  }

  /** The merchant's platform fee in basis points (0 for an unknown merchant). */
  async feeBpsOf(merchantId: string): Promise<number> {
    return (await this.findMerchant(merchantId))?.feeBps ?? 0;
  }

  async findApp(id: string): Promise<AppView | null> {
    return (await this.cachedApp(id))?.view ?? null;
  }

  /** The merchant's apps, newest first. */
  async appsOf(merchantId: string): Promise<AppView[]> {
    const ids = this.appsByMerchant.get(merchantId);
    if (!ids) {
      const epoch = this.epoch;
      const rows = await this.repo.loadAppRowsOf(merchantId);
      const loaded = rows.map((r) => this.toCachedApp(r));
      if (this.keep(epoch, this.appsByMerchant)) {
        this.appsByMerchant.set(
          merchantId,
          loaded.map((a) => a.view.id),
        );
        for (const a of loaded) if (this.apps.size < MAX_ENTRIES) this.apps.set(a.view.id, a);
      }
      return loaded.map((a) => a.view);
    }
    const views: AppView[] = [];
    for (const id of ids) {
      const app = await this.findApp(id);
      if (app) views.push(app);
    }
    return views;
  }

  /** Where and with which secrets the app's webhooks go; null when it has no endpoint. */
  async webhookEndpoint(appId: string, now: Date = new Date()): Promise<WebhookEndpoint | null> {
    const app = await this.cachedApp(appId);
    if (!app || !app.view.webhookUrl || !app.endpoint) return null;
    const secrets: string[] = [];
    if (app.endpoint.secret) secrets.push(app.endpoint.secret);
    if (app.endpoint.previous && app.endpoint.previousExpiresAt > now.getTime()) secrets.push(app.endpoint.previous);
    return { appId: app.view.id, merchantId: app.view.merchantId, url: app.view.webhookUrl, secrets };
  }

  /** A key with its decrypted material and its app's and merchant's current state; null for an unknown id. */
  async keyCredential(keyId: string): Promise<KeyCredential | null> {
    const key = await this.cached(this.keys, keyId, async () => {
      const row = await this.repo.loadKeyRow(keyId);
      return row && this.toCachedKey(row);
    });
    if (!key) return null;
    const [app, merchant] = await Promise.all([this.findApp(key.appId), this.findMerchant(key.merchantId)]);
    if (!app || !merchant) return null;
    return { ...key, app, merchant };
  }

  /**
   * The merchant's provider accounts, one per family it has (docs/provider-accounts.md), read on every WeChat and
   * Alipay create. Frozen: callers read them, and a change goes through the database (its trigger invalidates).
   * The Alipay tokens stay encrypted here; ProviderAccountsService decrypts them.
   */
  async providerAccounts(merchantId: string): Promise<readonly ProviderAccount[]> {
    return (await this.cached(this.providerAccountsByMerchant, merchantId, async () =>
      Object.freeze((await this.repo.listProviderAccounts(merchantId)).map((a) => Object.freeze(a))),
    ))!;
  }

  /** A committed change to one row (from NOTIFY, or from this process right after its own commit). */
  invalidate(table: ConfigTable, id: string, merchantId?: string): void {
    this.epoch++;
    if (table === 'merchants') this.merchants.delete(id);
    else if (table === 'apps') {
      this.apps.delete(id);
      if (merchantId) this.appsByMerchant.delete(merchantId);
      else this.appsByMerchant.clear();
    } else if (table === 'app_keys') this.keys.delete(id);
    else if (merchantId) this.providerAccountsByMerchant.delete(merchantId);
    else this.providerAccountsByMerchant.clear();
  }

  /** Forgets everything (the periodic refresh, or a lost listener). */
  clear(): void {
    this.epoch++;
    this.merchants.clear();
    this.apps.clear();
    this.appsByMerchant.clear();
    this.keys.clear();
    this.providerAccountsByMerchant.clear();
  }

  /** Set by the listener: entries are kept only while changes are being heard. */
  setLive(live: boolean): void {
    if (!live) this.clear();
    this.live = live;
    this.epoch++;
  }

  get isLive(): boolean {
    return this.live;
  }

  /** Whether a row is held in memory right now (diagnostics and tests); provider accounts by merchant id. */
  holds(table: ConfigTable, id: string): boolean {
    const map: Map<string, unknown> =
      table === 'merchants'
        ? this.merchants
        : table === 'apps'
          ? this.apps
          : table === 'app_keys'
            ? this.keys
            : this.providerAccountsByMerchant;
    return map.has(id);
  }

  get size(): number {
    return this.merchants.size + this.apps.size + this.keys.size + this.providerAccountsByMerchant.size;
  }

  private async cachedApp(id: string): Promise<CachedApp | null> {
    return this.cached(this.apps, id, async () => {
      const row = await this.repo.loadAppRow(id);
      return row && this.toCachedApp(row);
    });
  }

  private async cached<V>(map: Map<string, V>, id: string, load: () => Promise<V | null>): Promise<V | null> {
    const hit = map.get(id);
    if (hit !== undefined) return hit;
    const epoch = this.epoch;
    const value = await load();
    if (value !== null && this.keep(epoch, map)) map.set(id, value);
    return value;
  }

  private keep(epochAtLoad: number, map: Map<string, unknown>): boolean {
    return this.live && epochAtLoad === this.epoch && map.size < MAX_ENTRIES;
  }

  private toCachedApp(r: AppRow): CachedApp {
    const view: AppView = {
      id: r.id,
      merchantId: r.merchant_id,
      name: r.name,
      status: r.status,
      channels: Object.freeze([...r.channels]),
      webhookUrl: r.webhook_url,
    };
    const endpoint = r.webhook_url
      ? {
          secret: r.webhook_secret_enc
            ? this.keyRing.decrypt(r.webhook_secret_enc, encryptionContext('apps', 'webhook_secret_enc', r.id))
            : null,
          previous:
            r.previous_webhook_secret_enc && r.previous_webhook_secret_expires_at
              ? this.keyRing.decrypt(
                  r.previous_webhook_secret_enc,
                  encryptionContext('apps', 'previous_webhook_secret_enc', r.id),
                )
              : null,
          previousExpiresAt: r.previous_webhook_secret_expires_at?.getTime() ?? 0,
        }
      : null;
    return { view: Object.freeze(view), endpoint };
  }

  private toCachedKey(r: KeyRow): CachedKey {
    const material =
      r.type === 'hmac'
        ? createSecretKey(
            Buffer.from(this.keyRing.decrypt(r.secret_enc!, encryptionContext('app_keys', 'secret_enc', r.id)), 'utf8'),
          )
        : createPublicKey(r.public_key_pem!);
    return {
      id: r.id,
      appId: r.app_id,
      merchantId: r.merchant_id,
      type: r.type,
      mode: r.mode,
      status: r.status,
      expiresAt: r.expires_at,
      material,
    };
  }
}

function toMerchantView(r: MerchantRow): MerchantView {
  return Object.freeze({
    id: r.id,
    name: r.name,
    status: r.status,
    settlementCurrency: r.settlement_currency,
    timezone: r.timezone,
    feeBps: r.fee_bps,
    settlementDelayDays: r.settlement_delay_days,
  });
}
