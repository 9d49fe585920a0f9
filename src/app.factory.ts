import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/http/all-exceptions.filter';
import { answerClientErrors } from './common/http/client-error';
import { IdParamsGuard } from './common/http/id-params.guard';
import { inputGuardMiddleware } from './common/http/input-guard';
import { IP_LIMIT_PATHS, IpLimitGroup, IpRateLimiter } from './common/http/ip-rate-limit';
import { requestIdMiddleware } from './common/http/request-id.middleware';
import { serverTimingContext, serverTimingStart } from './common/http/server-timing';
import { createValidationPipe } from './common/http/validation.pipe';
import type { AppConfig } from './config/config';
import { ResponseSigningMiddleware } from './modules/auth/response-signing.middleware';
import { LoadShedder } from './modules/observability/load-shedder';
import { Metrics } from './modules/observability/metrics';
import { ProviderRegistry } from './modules/providers/provider-registry';
import type { ProviderName } from './modules/providers/provider.port';
import { errorBody } from './common/http/all-exceptions.filter';
import { serviceUnavailable } from './common/errors/domain-error';
import { RequestWithId, assignRequestId } from './common/http/request-id.middleware';
import { mountSwagger } from './swagger';
import { BootQuietLogger } from './modules/observability/boot-quiet.logger';

/** The HTTP app, as main.ts serves it and as the e2e tests start it. */
export async function createHttpApp(
  config: AppConfig,
  opts: { signals?: 'nest' | 'caller' } = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    // Signatures (ours and the providers') are over the exact bytes received.
    rawBody: true,
    bufferLogs: true,
  });
  app.useLogger(app.get(BootQuietLogger));
  // What Node's HTTP parser refuses (oversized headers, broken request lines) is answered in the error shape too.
  answerClientErrors(app.getHttpServer());
  app.use(requestIdMiddleware);
  // Server-Timing's clock starts here, before the other middleware (src/common/http/server-timing.ts).
  app.use('/v1', serverTimingStart);
  app.use(app.get(Metrics).middleware);
  // Which peers' X-Forwarded-For is believed: the per-IP limits below key on req.ip.
  app.set('trust proxy', config.trustProxy);
  // Per-IP limits on unauthenticated traffic, before the body parsers: a refused request costs no parsing.
  const ipLimits = app.get(IpRateLimiter);
  for (const [group, paths] of Object.entries(IP_LIMIT_PATHS))
    app.use(paths, ipLimits.middleware(group as IpLimitGroup));
  // Swagger UI needs inline scripts; everything else gets helmet's defaults.
  app.use(helmet({ contentSecurityPolicy: false }));
  // Before the body parsers, so their errors (413, malformed JSON) on /v1 are signed too.
  app.use('/v1', app.get(ResponseSigningMiddleware).handle);
  // Before the body parsers: a refused request costs no parsing. Callbacks get the provider's "try again",
  // so nothing is stored or applied now and the provider's retry is.
  const registry = app.get(ProviderRegistry);
  app.use(
    app.get(LoadShedder).middleware((req, res) => {
      res.setHeader('Retry-After', '1');
      const callback = /^\/callbacks\/([a-z]+)/.exec(req.path);
      if (callback) {
        const answer = registry.forProvider(callback[1] as ProviderName)?.callbackAnswer(false);
        if (answer) return void res.status(answer.status).type(answer.contentType).send(answer.body);
      }
      const err = serviceUnavailable('The server is overloaded; retry shortly');
      res.status(503).json(errorBody(err, assignRequestId(req as unknown as RequestWithId, res)));
    }),
  );
  app.useBodyParser('json', { limit: config.bodyLimit });
  app.useBodyParser('urlencoded', { limit: config.bodyLimit, extended: false });
  // After parsing, before routing and validation: too deep, NUL, control characters, lone surrogates.
  app.use(inputGuardMiddleware);
  app.use('/v1', serverTimingContext);
  app.set('query parser', 'extended');
  app.useGlobalGuards(new IdParamsGuard());
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  // main.ts handles the signals itself, to tell the operator what it drained.
  if (opts.signals !== 'caller') app.enableShutdownHooks();
  mountSwagger(app);
  return app;
}
