import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Client, Notification } from 'pg';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { ConfigTable, MerchantDirectory } from './merchant-directory';

export const CONFIG_CHANNEL = 'paygrid_config';
const TABLES = new Set<string>(['merchants', 'apps', 'app_keys', 'merchant_provider_accounts']);
const RECONNECT_MIN_MS = 250;
const RECONNECT_MAX_MS = 5000;

/**
 * Keeps MerchantDirectory true to the database: one dedicated connection
 * (not from the pool) LISTENs on `paygrid_config`, whose notifications the
 * tables' triggers send at COMMIT. The directory caches only while this
 * connection is up; on loss it is cleared and reads go to the database until
 * the listener is back. Every CONFIG_CACHE_REFRESH_MS the cache is dropped
 * anyway and the connection is probed, so a silently dead socket is noticed.
 */
@Injectable()
export class ConfigChangeListener implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ConfigChangeListener.name);
  private client?: Client;
  private timer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private reconnectMs = RECONNECT_MIN_MS;
  private stopped = false;

  constructor(
    private readonly directory: MerchantDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.connect();
    this.timer = setInterval(() => void this.refresh(), this.config.configCacheRefreshMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    clearTimeout(this.reconnectTimer);
    this.directory.setLive(false);
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped || !this.config.database.url) return;
    const client = new Client({
      connectionString: this.config.database.url,
      application_name: 'paygrid-config-listener',
      keepAlive: true,
    });
    client.on('notification', (n) => this.onNotification(n));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${CONFIG_CHANNEL}`);
    } catch (err) {
      this.lost(client, err as Error);
      return;
    }
    this.client = client;
    this.reconnectMs = RECONNECT_MIN_MS;
    this.directory.setLive(true);
  }

  private onNotification(n: Notification): void {
    if (n.channel !== CONFIG_CHANNEL || !n.payload) return;
    const [table, id, merchantId] = n.payload.split(':');
    if (TABLES.has(table) && id) this.directory.invalidate(table as ConfigTable, id, merchantId || undefined);
    else this.directory.clear();
  }

  private lost(client: Client, err?: Error): void {
    if (this.client && this.client !== client) return;
    this.client = undefined;
    this.directory.setLive(false);
    client.removeAllListeners('end');
    client.removeAllListeners('error');
    client.on('error', () => undefined);
    void client.end().catch(() => undefined);
    if (this.stopped || this.reconnectTimer) return;
    if (err) this.logger.warn(`configuration listener lost (${err.message}); reading configuration from the database`);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.connect();
    }, this.reconnectMs);
    this.reconnectTimer.unref();
    this.reconnectMs = Math.min(this.reconnectMs * 2, RECONNECT_MAX_MS);
  }

  private async refresh(): Promise<void> {
    this.directory.clear();
    const client = this.client;
    if (!client) return;
    try {
      await client.query('SELECT 1');
    } catch (err) {
      this.lost(client, err as Error);
    }
  }
}
