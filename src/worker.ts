import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { resolveConfig } from './bootstrap';

/** The async workers with no HTTP server: outbox relay, webhook dispatcher, schedulers. */
async function main(): Promise<void> {
  const config = await resolveConfig({ ...process.env, PAYGRID_ROLE: 'worker' });
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.init();
  process.stdout.write(`Paygrid worker started (mode: ${config.mode})\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`Paygrid worker failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
