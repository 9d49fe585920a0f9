import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { addErrorExamples } from './common/http/openapi-error-examples';
import { addExamples } from './common/http/openapi-examples';
import { finishOpenApiDocument } from './common/http/openapi-document.util';
import { APP_CONFIG, type AppConfig } from './config/config';
import { SIGNATURE_SCHEME } from './modules/auth/signed-api.decorator';
import { SANDBOX_REQUEST_INTERCEPTOR, SANDBOX_SIGNING_SCRIPT } from './modules/auth/swagger-signing.script';

/** Where the prose contract (docs/api.md) is served beside the Swagger UI. */
export const API_DOC_PATH = '/docs/api.md';

export function buildOpenApiDocument(app: INestApplication, serverUrl: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Paygrid API')
    .setVersion('1')
    .setLicense('MIT', 'https://opensource.org/license/mit')
    .addServer(serverUrl, 'This Paygrid instance')
    .setExternalDoc('The wire contract in prose: docs/api.md', API_DOC_PATH)
    .setDescription(
      [
        'Merchant API (`/v1`, signed requests), admin API (`/admin/v1`, bearer tokens) and health.',
        '',
        `The wire contract in prose (signatures, idempotency, webhooks, events, sandbox) is [docs/api.md](${API_DOC_PATH}), shipped with Paygrid; this document is its full reference.`,
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
        '',
        '**Input rules on every route**: an explicit JSON `null` is refused (400 `parameter_invalid`) on every field whose schema is not marked `nullable`; omit a field to leave it unset.',
        'Where a field is `nullable`, its description says what `null` means. Text may not hold control characters (U+0000-U+001F except tab, LF and CR; U+007F) or lone UTF-16 surrogates (400 `parameter_invalid`);',
        'a body nested deeper than 32 levels is a 400 `body_too_deep`; an id in a path that cannot exist (wrong prefix or alphabet) is a 404 `resource_missing`.',
        '',
        '**Outages**: when a dependency (PostgreSQL) is unreachable, times out or fails over, the answer is a 503 `service_unavailable` with `Retry-After`;',
        "retry with the same `Idempotency-Key` (a 503 is never stored as the key's response).",
      ].join('\n'),
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'Admin token (`PAYGRID_ADMIN_TOKEN` or one created with `npm run cli -- token:create`)',
      },
      'admin',
    )
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
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
  });
  return addErrorExamples(finishOpenApiDocument(addExamples(document)));
}

/** docs/api.md from the checkout (`src/`) or the build (`dist/src/`). */
function apiDoc(): string | undefined {
  const file = [resolve(__dirname, '..', 'docs', 'api.md'), resolve(__dirname, '..', '..', 'docs', 'api.md')].find(
    (f) => existsSync(f),
  );
  return file && readFileSync(file, 'utf8');
}

export function mountSwagger(app: INestApplication): void {
  const config = app.get<AppConfig>(APP_CONFIG);
  const document = buildOpenApiDocument(app, config.publicBaseUrl);
  const doc = apiDoc();
  if (doc)
    app
      .getHttpAdapter()
      .get(API_DOC_PATH, (_req: unknown, res: { type(t: string): { send(body: string): void } }) =>
        res.type('text/markdown; charset=utf-8').send(doc),
      );
  // In sandbox the page signs /v1 calls itself (see swagger-signing.script.ts); live keys are never typed into a browser.
  const sandbox = config.mode === 'sandbox';
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    swaggerOptions: {
      persistAuthorization: true,
      ...(sandbox ? { requestInterceptor: SANDBOX_REQUEST_INTERCEPTOR } : {}),
    },
    ...(sandbox ? { customJsStr: SANDBOX_SIGNING_SCRIPT } : {}),
  });
}
