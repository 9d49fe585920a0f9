import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import PinoPretty from 'pino-pretty';
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
  // A payer's bank details (WeChat abnormal-refund retries): never in a log line, even by mistake.
  '*.bank_account',
  '*.real_name',
  '*.bankAccount',
  '*.realName',
  'err.config',
];

/** Query parameter names whose values the access log never shows (case-insensitive, substring). */
const SECRET_QUERY_NAME = /secret|token|key|pass|sign|auth|session|cookie|code|credential|card|cvc|pan/i;

/**
 * The URL as the access log shows it: path and parameter names, with the value
 * of any parameter whose name looks like a secret replaced. Clients do put
 * secrets in query strings; the log must not keep them.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const path = url.slice(0, q);
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const rawName = eq < 0 ? pair : pair.slice(0, eq);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        return '[redacted]'; // undecodable: show nothing of it
      }
      return eq >= 0 && SECRET_QUERY_NAME.test(name) ? `${rawName}=[redacted]` : pair;
    });
  return `${path}?${parts.join('&')}`;
}

/** pretty on a developer's terminal, json for machines (production, CI, files, pipes) unless LOG_FORMAT says. */
export function logFormatOf(
  config: Pick<AppConfig, 'env' | 'logFormat'>,
  isTty = Boolean(process.stdout.isTTY),
): 'json' | 'pretty' {
  return config.logFormat ?? (config.env === 'development' && isTty ? 'pretty' : 'json');
}

type Res = ServerResponse & { locals?: { errorCode?: string } };

/** The API error code of a 4xx/5xx answer, which the exception filter leaves on `res.locals`. */
const errorCodeOf = (res: Res): string | undefined => res.locals?.errorCode;

/** One access-log line: `POST /v1/payments 401 signature_invalid (3 ms)`. */
export function accessLine(req: IncomingMessage, res: Res, ms: number): string {
  const code = errorCodeOf(res);
  return `${req.method} ${redactUrl(req.url ?? '')} ${res.statusCode}${code ? ` ${code}` : ''} (${ms} ms)`;
}

const SIMULATOR_PATH = /^\/sandbox(\/|\?|$)/;

/**
 * The level of a request's access line. 4xx answers are the merchant's problem to see (bad signature, bad
 * parameter): warn, with their code; 5xx and failures: error. Those are always logged. Successful answers are
 * `info` (the simulators' own, under /sandbox, `debug`), and only a share `sampleRate` of them is logged at all
 * (ACCESS_LOG_SAMPLE_RATE): on a busy API their lines cost CPU and say little that the metrics do not. 'silent'
 * makes pino-http skip the line entirely.
 */
export function accessLogLevel(
  sampleRate: number,
  random: () => number = Math.random,
): (req: IncomingMessage, res: ServerResponse, err?: Error) => 'error' | 'warn' | 'info' | 'debug' | 'silent' {
  return (req, res, err) => {
    if (err || res.statusCode >= 500) return 'error';
    if (res.statusCode >= 400) return 'warn';
    // The simulators stand in for the providers: their successful answers are Paygrid talking to itself in
    // sandbox mode (a first boot's scheduled reconciliation alone makes a dozen), so they are debug lines.
    if (SIMULATOR_PATH.test(req.url ?? '')) return 'debug';
    if (sampleRate >= 1) return 'info';
    return random() < sampleRate ? 'info' : 'silent';
  };
}

export function loggerParams(config: AppConfig): Params {
  const options: NonNullable<Exclude<Params['pinoHttp'], unknown[]>> & object = {
    level: config.logLevel,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    genReqId: (req) => (req as RequestWithId).id ?? 'req_unknown',
    customProps: (req, res) => ({
      request_id: (req as RequestWithId).id,
      ...(errorCodeOf(res as Res) ? { error_code: errorCodeOf(res as Res) } : {}),
    }),
    customLogLevel: accessLogLevel(config.accessLogSampleRate),
    customSuccessMessage: (req, res, ms) => accessLine(req, res as Res, ms),
    customErrorMessage: (req, res) => accessLine(req, res as Res, 0).replace(/ \(0 ms\)$/, ''),
    // Bodies are never logged: they may hold card data or secrets.
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    autoLogging: { ignore: (req) => req.url === '/health/live' || req.url?.split('?')[0] === '/metrics' },
    quietReqLogger: true,
  };
  if (logFormatOf(config) === 'json') return { pinoHttp: options };
  // Synchronous, in this thread: a dev boot's lines appear in order and none is lost on exit.
  const pretty = PinoPretty({
    sync: true,
    colorize: Boolean(process.stdout.isTTY),
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,req,res,reqId,responseTime,request_id,context,error_code',
    messageFormat: '{if context}{context}: {end}{msg}',
    singleLine: true,
  });
  return { pinoHttp: [options, pretty] };
}
