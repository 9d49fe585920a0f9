import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { RabbitConnection } from '../messaging/rabbit-connection';

/** `work`, or a rejection after `ms`: a check that hangs (a partition drops packets) reports down instead. */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rabbit: RabbitConnection,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Liveness: the process answers. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness probe' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * Readiness: PostgreSQL answers and, when configured, RabbitMQ is connected.
   * Each check has its own short timeout (HEALTH_CHECK_TIMEOUT_MS), so the
   * probe answers 503 within it during a partition instead of hanging; a
   * silent broker partition closes the connection through missed AMQP heartbeats.
   */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness probe (PostgreSQL and RabbitMQ); 503 when a dependency is down' })
  ready() {
    const ms = this.config.healthCheckTimeoutMs;
    return this.health.check([
      async () => {
        const db = this.indicators.check('database');
        try {
          await withTimeout(this.dataSource.query('SELECT 1'), ms, 'PostgreSQL');
          return db.up();
        } catch (err) {
          return db.down({ message: (err as Error).message });
        }
      },
      async () => {
        const mq = this.indicators.check('rabbitmq');
        if (!this.rabbit.enabled) return mq.up({ mode: 'in-process' });
        return this.rabbit.isConnected()
          ? mq.up({ mode: 'amqp' })
          : mq.down({ mode: 'amqp', message: 'not connected' });
      },
    ]);
  }
}
