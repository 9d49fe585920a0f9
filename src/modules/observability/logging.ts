import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../../config/config';
import type { RequestWithId } from '../../common/http/request-id.middleware';

/**
 * Paths pino censors wherever they appear: credentials in headers, secrets
 * and keys in bodies, and card fields. Logs never see them in clear.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["idempotency-key"]',
  'res.headers["set-cookie"]',
  '*.secret',
  '*.webhook_secret',
  '*.private_key',
  '*.privateKey',
  '*.password',
  '*.token',
  '*.number',
  '*.cvc',
  '*.card',
  '*.encrypted',
  'err.config',
];

export function loggerParams(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      genReqId: (req) => (req as RequestWithId).id ?? 'req_unknown',
      customProps: (req) => ({ request_id: (req as RequestWithId).id }),
      // Bodies are never logged: they may hold card data or secrets.
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (req) => req.url === '/health/live' || req.url === '/metrics' },
      quietReqLogger: true,
    },
  };
}
