import { QueryFailedError } from 'typeorm';

/**
 * SQLSTATE classes and codes that mean "the database cannot serve this now"
 * rather than "this request is wrong": the same request may succeed when
 * retried (API answers 503 with Retry-After).
 * 08 connection exception, 53 insufficient resources (too many connections),
 * 57P01-57P03 shutdown / cannot connect now (a failover in progress),
 * 57014 statement timeout or cancel, 55P03 lock not available (lock_timeout),
 * 25006 read-only transaction (writes reaching a demoted primary after a failover).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57014', '55P03', '25006', '53300', '53400']);
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '53'];

/** Socket-level errors of the pg driver (node's errno codes). */
const UNAVAILABLE_ERRNOS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * pg and pg-pool raise these without any code, so their message is the only
 * signal (the one place we read error text; every other branch is on SQLSTATE).
 */
const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect', // pg-pool checkout timeout
  'connection terminated', // "Connection terminated unexpectedly" / "… due to connection timeout"
  'query read timeout', // pg query_timeout
  'connection timeout',
  'client has encountered a connection error',
  'cannot use a pool after calling end',
  'driver not connected',
];

/** True when `err` (or what it wraps) says PostgreSQL is unreachable, overloaded, timing out or failing over. */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const e = current as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code) {
      if (UNAVAILABLE_ERRNOS.has(code) || UNAVAILABLE_SQLSTATES.has(code)) return true;
      if (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
    }
    const message = typeof e.message === 'string' ? e.message.toLowerCase() : '';
    if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
    current = current instanceof QueryFailedError ? current.driverError : (e.driverError ?? e.cause);
  }
  return false;
}
