import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { resolveConfig } from './bootstrap';
import { describeStartupFailure } from './common/errors/startup-error';
import type { AppConfig } from './config/config';
import { CoreModule } from './core.module';
import { WorkersModule } from './workers/workers.module';
import { BootQuietLogger } from './modules/observability/boot-quiet.logger';

/** The worker process: the shared modules and the WorkersModule, with no HTTP server and no controller. */
@Module({})
export class WorkerProcessModule {
  static forRoot(config: AppConfig): DynamicModule {
    return { module: WorkerProcessModule, imports: [CoreModule.forRoot(config), WorkersModule] };
  }
}

/** The async workers: outbox relay, webhook delivery, event consumers, resolver, settlement and payout loops. */
async function main(): Promise<void> {
  const config = await resolveConfig({ ...process.env, PAYGRID_ROLE: 'worker' });
  const app = await NestFactory.createApplicationContext(WorkerProcessModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(BootQuietLogger));
  app.enableShutdownHooks();
  await app.init();
  process.stdout.write(`Paygrid worker started (mode: ${config.mode})\n`);
}

if (require.main === module)
  main().catch((err: unknown) => {
    process.stderr.write(`Paygrid worker failed to start: ${describeStartupFailure(err)}\n`);
    process.exit(1);
  });
