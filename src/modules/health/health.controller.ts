import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RabbitConnection } from '../messaging/rabbit-connection';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly rabbit: RabbitConnection,
  ) {}

  /** Liveness: the process answers. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness probe' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: PostgreSQL answers and, when configured, RabbitMQ is connected. */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness probe (PostgreSQL and RabbitMQ); 503 when a dependency is down' })
  ready() {
    return this.health.check([
      async () => {
        const db = this.indicators.check('database');
        try {
          await this.dataSource.query('SELECT 1');
          return db.up();
        } catch (err) {
          return db.down({ message: (err as Error).message });
        }
      },
      async () => {
        const mq = this.indicators.check('rabbitmq');
        if (!this.rabbit.enabled) return mq.up({ mode: 'in-process' });
        return this.rabbit.isConnected() ? mq.up({ mode: 'amqp' }) : mq.down({ mode: 'amqp', message: 'not connected' });
      },
    ]);
  }
}
