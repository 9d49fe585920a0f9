import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter';
import { requestIdMiddleware } from './common/http/request-id.middleware';
import { createValidationPipe } from './common/http/validation.pipe';
import type { AppConfig } from './config/config';
import { ResponseSigningMiddleware } from './modules/auth/response-signing.middleware';
import { Metrics } from './modules/observability/metrics';
import { mountSwagger } from './swagger';

/** The HTTP app, as main.ts serves it and as the e2e tests start it. */
export async function createHttpApp(config: AppConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    // Signatures (ours and the providers') are over the exact bytes received.
    rawBody: true,
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.use(requestIdMiddleware);
  app.use(app.get(Metrics).middleware);
  // Swagger UI needs inline scripts; everything else gets helmet's defaults.
  app.use(helmet({ contentSecurityPolicy: false }));
  // Before the body parsers, so their errors (413, malformed JSON) on /v1 are signed too.
  app.use('/v1', app.get(ResponseSigningMiddleware).handle);
  app.useBodyParser('json', { limit: config.bodyLimit });
  app.useBodyParser('urlencoded', { limit: config.bodyLimit, extended: false });
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'extended');
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
  mountSwagger(app);
  return app;
}
