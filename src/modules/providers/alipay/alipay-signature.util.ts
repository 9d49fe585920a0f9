import {
  SigningJob,
  rsaSha256Sign,
  rsaSha256SignAsync,
  rsaSha256Verify,
  signNow,
  signOffThread,
} from '../rsa-sha256.util';

/**
 * Alipay OpenAPI 2.0 (gateway.do) RSA2 rules, as in PROVIDERS.md §1:
 * requests sign the sorted raw `k=v&…` of every sent parameter except `sign`;
 * responses sign the raw text of the `*_response` value; notifications sign
 * the sorted params without `sign` and `sign_type`.
 */

export type AlipayParams = Record<string, string>;

/** Drops `sign` and empty values (never sent: the Java SDK drops them, the Node SDK does not). */
export function withoutEmpty(params: Record<string, string | undefined>): AlipayParams {
  const out: AlipayParams = {};
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '') out[k] = v;
  }
  return out;
}

/** `k=v&…` over sorted keys (ASCII order), raw values, skipping the given keys. */
export function alipaySignContent(params: AlipayParams, skip: readonly string[] = ['sign']): string {
  return Object.keys(params)
    .filter((k) => !skip.includes(k) && params[k] !== '' && params[k] !== undefined)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

/** RSA2 is SHA256withRSA; the async variant signs in the threadpool (same bytes). */
export const rsa2Sign = rsaSha256Sign;
export const rsa2SignAsync = rsaSha256SignAsync;
export const rsa2Verify = rsaSha256Verify;

/** Empties removed, `sign` added over the sorted content without the `skip` keys. */
function signedParamsJob(
  params: Record<string, string | undefined>,
  skip: readonly string[],
): SigningJob<AlipayParams> {
  const clean = withoutEmpty(params);
  delete clean.sign;
  return { message: alipaySignContent(clean, skip), finish: (sign) => ({ ...clean, sign }) };
}

/** Returns the params that go on the wire: empties removed, `sign` added. */
export function signAlipayRequest(params: Record<string, string | undefined>, appPrivateKeyPem: string): AlipayParams {
  return signNow(signedParamsJob(params, ['sign']), appPrivateKeyPem);
}

export function signAlipayRequestAsync(
  params: Record<string, string | undefined>,
  appPrivateKeyPem: string,
): Promise<AlipayParams> {
  return signOffThread(signedParamsJob(params, ['sign']), appPrivateKeyPem);
}

/** Simulator side (and tests): check a request the way the gateway does. */
export function verifyAlipayRequest(params: AlipayParams, appPublicKeyPem: string): boolean {
  return rsa2Verify(alipaySignContent(params), params.sign ?? '', appPublicKeyPem);
}

/** `alipay.trade.precreate` -> `alipay_trade_precreate_response`. */
export function responseKeyOf(method: string): string {
  return `${method.replace(/\./g, '_')}_response`;
}

/**
 * The raw JSON text of the value of `key` in `body`, from its `{` to the
 * matching `}`, scanning strings and escapes so braces inside values do not
 * count. Re-serialising instead would break the signature.
 */
export function extractRawJsonValue(body: string, key: string): string | undefined {
  const needle = `"${key}"`;
  let at = body.indexOf(needle);
  while (at >= 0) {
    let i = at + needle.length;
    while (/\s/.test(body[i] ?? '')) i++;
    if (body[i] === ':') {
      i++;
      while (/\s/.test(body[i] ?? '')) i++;
      if (body[i] !== '{') return undefined;
      return scanObject(body, i);
    }
    at = body.indexOf(needle, at + 1);
  }
  return undefined;
}

function scanObject(body: string, start: number): string | undefined {
  let depth = 0;
  let inString = false;
  for (let i = start; i < body.length; i++) {
    const c = body[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return body.slice(start, i + 1);
  }
  return undefined;
}

export interface VerifiedAlipayResponse {
  /** `true` only when the signature checked out over the raw node. */
  verified: boolean;
  /** Parsed node (`*_response` or `error_response`), if the body was well-formed. */
  node?: Record<string, unknown>;
  responseKey?: string;
  /** Whether the body carried a `sign` at all (an unsigned failure is read as final; see the adapter). */
  signed?: boolean;
  /** Certificate mode: the `alipay_cert_sn` the answer names (the certificate that signed it). */
  certSn?: string;
}

/** The verifying key: a PEM, or (certificate mode) the key of the certificate an answer names, if held. */
export type AlipayKeyFor = string | ((certSn: string | undefined) => string | undefined);

/**
 * Verifies a gateway.do response body. The signed text is the raw value of
 * `<method>_response` (or `error_response`); Alipay escapes `/` as `\/` in
 * some values, so, like the Java SDK, verification is retried once with
 * `\/` replaced by `/`. In certificate mode the body also names the signing
 * certificate in `alipay_cert_sn`; an SN without a key is not verified.
 */
export function verifyAlipayResponse(body: string, method: string, keyFor: AlipayKeyFor): VerifiedAlipayResponse {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return { verified: false };
  }
  const candidates = [responseKeyOf(method), 'error_response'];
  const responseKey = candidates.find((k) => typeof parsed[k] === 'object' && parsed[k] !== null);
  if (!responseKey) return { verified: false };
  const node = parsed[responseKey] as Record<string, unknown>;
  const sign = typeof parsed.sign === 'string' ? parsed.sign : '';
  const certSn = typeof parsed.alipay_cert_sn === 'string' ? parsed.alipay_cert_sn : undefined;
  const raw = extractRawJsonValue(body, responseKey);
  if (!raw || !sign) return { verified: false, node, responseKey, signed: !!sign, certSn };
  const key = typeof keyFor === 'string' ? keyFor : keyFor(certSn);
  const verified = !!key && (rsa2Verify(raw, sign, key) || rsa2Verify(raw.replace(/\\\//g, '/'), sign, key));
  return { verified, node, responseKey, signed: true, certSn };
}

function signedResponseJob(method: string, nodeJson: string, asError: boolean): SigningJob<string> {
  const key = asError ? 'error_response' : responseKeyOf(method);
  return { message: nodeJson, finish: (sign) => `{"${key}":${nodeJson},"sign":"${sign}"}` };
}

/** Simulator side: a signed response body. `nodeJson` is emitted verbatim and is what gets signed. */
export function buildSignedAlipayResponse(
  method: string,
  nodeJson: string,
  alipayPrivateKeyPem: string,
  asError = false,
): string {
  return signNow(signedResponseJob(method, nodeJson, asError), alipayPrivateKeyPem);
}

export function buildSignedAlipayResponseAsync(
  method: string,
  nodeJson: string,
  alipayPrivateKeyPem: string,
  asError = false,
): Promise<string> {
  return signOffThread(signedResponseJob(method, nodeJson, asError), alipayPrivateKeyPem);
}

const NOTIFICATION_SKIP = ['sign', 'sign_type'] as const;

/**
 * Async notification check (official rsaCheckV1): drop `sign` and
 * `sign_type`, sort, join the decoded values, verify with the Alipay key.
 */
export function verifyAlipayNotification(params: AlipayParams, alipayPublicKeyPem: string | string[]): boolean {
  const content = alipaySignContent(params, NOTIFICATION_SKIP);
  const keys = typeof alipayPublicKeyPem === 'string' ? [alipayPublicKeyPem] : alipayPublicKeyPem;
  return keys.some((key) => rsa2Verify(content, params.sign ?? '', key));
}

/** Simulator side: sign a notification so that both V1 (without sign_type) checks pass. */
export function signAlipayNotification(params: AlipayParams, alipayPrivateKeyPem: string): AlipayParams {
  return signNow(signedParamsJob(params, NOTIFICATION_SKIP), alipayPrivateKeyPem);
}

export function signAlipayNotificationAsync(params: AlipayParams, alipayPrivateKeyPem: string): Promise<AlipayParams> {
  return signOffThread(signedParamsJob(params, NOTIFICATION_SKIP), alipayPrivateKeyPem);
}

const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

/** `yyyy-MM-dd HH:mm:ss` in Beijing time (UTC+8, no DST), whatever the host TZ. */
export function alipayTimestamp(at: Date = new Date()): string {
  const d = new Date(at.getTime() + BEIJING_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`
  );
}

/** Inverse of `alipayTimestamp`; undefined when malformed. */
export function parseAlipayTimestamp(s: string | undefined): Date | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(s ?? '');
  if (!m) return undefined;
  const [, y, mo, d, h, mi, se] = m.map(Number);
  return new Date(Date.UTC(y, mo - 1, d, h, mi, se) - BEIJING_OFFSET_MS);
}

/** Parse an x-www-form-urlencoded body (UTF-8) into params; later duplicates win. */
export function parseFormBody(raw: Buffer | string): AlipayParams {
  const out: AlipayParams = {};
  for (const [k, v] of new URLSearchParams(typeof raw === 'string' ? raw : raw.toString('utf8'))) out[k] = v;
  return out;
}
