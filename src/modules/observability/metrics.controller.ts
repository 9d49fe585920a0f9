import cluster from 'node:cluster';
import { Controller, Get, Header, Headers, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { DomainError, authenticationError } from '../../common/errors/domain-error';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { clusterMetrics } from './cluster-metrics';
import { Metrics } from './metrics';
import { metricsAccess } from './metrics-access';

@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4')
  async scrape(@Headers('authorization') authorization?: string): Promise<string> {
    const access = metricsAccess(this.config, 'api', authorization);
    if (access === 'hidden') {
      throw new DomainError({
        code: 'route_not_found',
        message: 'Cannot GET /metrics',
      });
    }
    if (access === 'unauthenticated') throw authenticationError('unauthenticated', 'A valid metrics token is required');
    // In a PAYGRID_API_PROCESSES cluster any process may get the scrape: it answers for all of them.
    if (cluster.isWorker) return clusterMetrics();
    return this.metrics.registry.metrics();
  }
}
