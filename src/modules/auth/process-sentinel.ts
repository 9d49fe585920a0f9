import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

/** Prefix of the sentinel sessions' application_name; the rest is the process's holder id. */
export const SENTINEL_APPLICATION_PREFIX = 'paygrid-live:';
const RECONNECT_MS = 1_000;

/**
 * Proof of life of this process that PostgreSQL itself keeps: one session,
 * outside the pool, named `paygrid-live:<id>`, open as long as the process
 * runs. When the process dies (SIGKILL, OOM, a crash) the kernel closes its
 * socket and the session leaves pg_stat_activity at once, so an idempotency
 * key this process held is known to be orphaned without waiting for its
 * lease (idempotency.repository.ts). A stalled event loop does not end the
 * session, so a slow but living request is never taken for dead, unlike
 * with a heartbeat. While the session is down (database restart), `holder`
 * is null and keys fall back to the lease alone.
 */
@Injectable()
export class ProcessSentinel implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ProcessSentinel.name);
  readonly id = randomBytes(8).toString('hex');
  private client: Client | undefined;
  private connected = false;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The id to record on a claimed key, or null while this process has no live session to prove it. */
  get holder(): string | null {
    return this.connected ? this.id : null;
  }

  async onModuleInit(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const opts = this.dataSource.options as { url?: string };
    const client = new Client({
      connectionString: opts.url,
      application_name: `${SENTINEL_APPLICATION_PREFIX}${this.id}`,
      keepAlive: true,
      connectionTimeoutMillis: 5_000,
    });
    const lost = () => {
      if (this.client !== client) return;
      this.connected = false;
      this.client = undefined;
      client.end().catch(() => undefined);
      this.schedule();
    };
    client.on('error', lost);
    client.on('end', lost);
    this.client = client;
    try {
      await client.connect();
      this.connected = true;
    } catch (err) {
      this.logger.warn(
        `Liveness session could not connect (${(err as Error).message}); idempotency keys use their lease`,
      );
      lost();
    }
  }

  private schedule(): void {
    if (this.stopped || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, RECONNECT_MS);
    this.retry.unref();
  }

  // After the HTTP server closed: requests still draining keep their keys until they end.
  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    await client?.end().catch(() => undefined);
  }
}
