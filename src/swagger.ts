import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

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
      ].join('\n'),
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Admin token (`PAYGRID_ADMIN_TOKEN` or one created with `npm run cli -- token:create`)' }, 'admin')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'Authorization', description: 'PAYGRID-HMAC-SHA256 / PAYGRID-RSA-SHA256 request signature (see API.md)' }, SIGNATURE_SCHEME)
    .build();
  return SwaggerModule.createDocument(app, config, { operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}` });
}

export function mountSwagger(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', swaggerOptions: { persistAuthorization: true } });
}
