import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/config';
import { buildOpenApiDocument } from '../src/swagger';

/**
 * The OpenAPI document as the app serves it at /docs-json. `preview: true`
 * builds the module graph without instantiating providers, so no database or
 * broker is needed.
 */
export async function openApiJson(): Promise<string> {
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATABASE_URL: 'postgres://openapi@127.0.0.1:1/openapi',
    PAYGRID_DATA_KEYS: `doc:${randomBytes(32).toString('base64')}`,
    PORT: '3000',
  });
  const app = await NestFactory.create(AppModule.forRoot(config), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  const document = buildOpenApiDocument(app, config.publicBaseUrl);
  return `${JSON.stringify(document, null, 2)}\n`;
}
