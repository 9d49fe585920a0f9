import 'reflect-metadata';
import { Body, Controller, Get, Module, Param, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger, LoggerModule } from 'nestjs-pino';
import { AllExceptionsFilter } from '../src/common/http/all-exceptions.filter';
import { requestIdMiddleware } from '../src/common/http/request-id.middleware';
import { createValidationPipe } from '../src/common/http/validation.pipe';
import { loadConfig } from '../src/config/config';
import { ConfigModule } from '../src/config/config.module';
import { loggerParams } from '../src/modules/observability/logging';
import { Metrics } from '../src/modules/observability/metrics';
import { ObservabilityModule } from '../src/modules/observability/observability.module';

/**
 * Ceiling B of `npm run bench`: a NestJS app with the platform settings of
 * `createHttpApp` (request id, metrics, helmet, raw-body JSON and form
 * parsers, global validation pipe and exception filter, pino logger at the
 * configured level) and one echo controller: no database, no signature,
 * no response signing. Bench-only; the product has no echo route.
 */
@Controller('v1/echo')
class EchoController {
  @Get(':id')
  get(@Param('id') id: string) {
    return { id, object: 'echo', status: 'ok', created: Math.floor(Date.now() / 1000) };
  }

  @Post()
  post(@Body() body: Record<string, unknown>) {
    return { object: 'echo', body };
  }
}

@Module({})
class EchoModule {}

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const app = await NestFactory.create<NestExpressApplication>(
    {
      module: EchoModule,
      imports: [ConfigModule.forRoot(config), LoggerModule.forRoot(loggerParams(config)), ObservabilityModule],
      controllers: [EchoController],
    },
    { rawBody: true, bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  app.use(requestIdMiddleware);
  app.use(app.get(Metrics).middleware);
  app.use(helmet({ contentSecurityPolicy: false }));
  app.useBodyParser('json', { limit: config.bodyLimit });
  app.useBodyParser('urlencoded', { limit: config.bodyLimit, extended: false });
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'extended');
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  process.stdout.write(`echo server listening on ${config.host}:${config.port}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`echo server failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
