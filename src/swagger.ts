import type { INestApplication } from '@nestjs/common';
import { addExamples } from './common/http/openapi-examples';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { APP_CONFIG, type AppConfig } from './config/config';
import { SANDBOX_REQUEST_INTERCEPTOR, SANDBOX_SIGNING_SCRIPT } from './modules/auth/swagger-signing.script';

export const SIGNATURE_SCHEME = 'paygrid-signature';

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Paygrid API')
    .setVersion('1')
    .setDescription(
      [
        'Merchant API (`/v1`, signed requests), admin API (`/admin/v1`, bearer tokens) and health.',
        '',
        'Every error has the shape `{"error": {"type", "code", "message", "param", "request_id"}}` and every response carries `Request-Id`.',
        '',
        '**Signing `/v1` requests**: `Authorization: PAYGRID-HMAC-SHA256 app_id="app_…",key_id="key_…",timestamp="…",nonce="…",signature="…"`,',
        'where `signature` is base64 HMAC-SHA256 (or RSA-SHA256) over `METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nhex(sha256(body))\\n`.',
        'PATH?QUERY is exactly as sent, the body hash is over the exact bytes sent (empty body: hash of the empty string), the timestamp (unix seconds) must be within 300 s of the server clock,',
        'and the nonce (16-64 chars of `[A-Za-z0-9_-]`) may be used once per app in 15 minutes. An app may hold two active keys, so keys rotate without downtime.',
        '',
        '**Response signatures**: every `/v1` response carries `Paygrid-Key-Id`, `Paygrid-Timestamp`, `Paygrid-Nonce` and `Paygrid-Signature`,',
        'an Ed25519 signature (base64) over `TIMESTAMP\\nNONCE\\nBODY\\n`; verify it with the key of that `kid` in `GET /.well-known/jwks.json`.',
        '',
        '**Idempotency**: `POST` routes accept `Idempotency-Key` (1-255 chars). For 24 h per app the same key and body replay the first response',
        '(`Idempotent-Replayed: true`); another body is a 422 `idempotency_key_reused`; a retry while the first still runs is a 409 `idempotency_request_in_progress`.',
      ].join('\n'),
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Admin token (`PAYGRID_ADMIN_TOKEN` or one created with `npm run cli -- token:create`)' }, 'admin')
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description:
          'PAYGRID-HMAC-SHA256 / PAYGRID-RSA-SHA256 request signature (see above). In sandbox mode, enter `app_…:key_…:sk_…` here and this page signs each `/v1` request in the browser (WebCrypto: use https, localhost or 127.0.0.1).',
      },
      SIGNATURE_SCHEME,
    )
    .build();
  return addExamples(SwaggerModule.createDocument(app, config, { operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}` }));
}

export function mountSwagger(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  // In sandbox the page signs /v1 calls itself (see swagger-signing.script.ts); live keys are never typed into a browser.
  const sandbox = app.get<AppConfig>(APP_CONFIG).mode === 'sandbox';
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: { persistAuthorization: true, ...(sandbox ? { requestInterceptor: SANDBOX_REQUEST_INTERCEPTOR } : {}) },
    ...(sandbox ? { customJsStr: SANDBOX_SIGNING_SCRIPT } : {}),
  });
}
