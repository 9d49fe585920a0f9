import { Global, Module } from '@nestjs/common';
import { BootQuietLogger } from './boot-quiet.logger';
import { LoadShedder } from './load-shedder';
import { Metrics } from './metrics';
import { MetricsServer } from './metrics-server';

/** Metrics for every process; the API's /metrics controller is listed by src/api.module.ts. */
@Global()
@Module({
  providers: [Metrics, MetricsServer, BootQuietLogger, LoadShedder],
  exports: [Metrics, BootQuietLogger, LoadShedder],
})
export class ObservabilityModule {}
