import { AsyncLocalStorage } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';
import { performance } from 'node:perf_hooks';

/**
 * `Server-Timing` on `/v1` answers (docs/api.md): `paygrid;dur=<ms>` is the
 * time Paygrid itself spent on the request, from its first middleware to the
 * moment the answer is written, minus the time spent waiting for providers,
 * which is `provider;dur=<ms>` when a provider was called.
 *
 * Why the response object is the async-local store: the request's timing
 * lives on it (two numbers under symbols), so a request costs no object of
 * its own beyond the header string; provider calls deep in a service add to
 * it without any caller passing it down.
 */
export const SERVER_TIMING_HEADER = 'Server-Timing';

const START = Symbol('paygrid:timing-start');
const PROVIDER_MS = Symbol('paygrid:timing-provider');

interface Timed {
  [START]: number;
  /** -1 while no provider was called. */
  [PROVIDER_MS]: number;
}

const current = new AsyncLocalStorage<Timed>();

/** Mounted first on `/v1` (app.factory): the clock starts before every other middleware. */
export function serverTimingStart(_req: Request, res: Response, next: NextFunction): void {
  const timed = res as unknown as Timed;
  timed[START] = performance.now();
  timed[PROVIDER_MS] = -1;
  next();
}

/**
 * Mounted on `/v1` after the body parsers: the rest of the request (guards,
 * handler, provider calls) runs with this response as its store. Not earlier,
 * because a body parser resumes from the socket's 'end' event, outside any
 * context entered before it.
 */
export function serverTimingContext(_req: Request, res: Response, next: NextFunction): void {
  const timed = res as unknown as Timed;
  if (timed[START] === undefined) return next();
  current.run(timed, next);
}

/** Runs a call to a provider and adds its wall time to the current request's `provider` figure, if any. */
export async function timeProviderCall<T>(call: () => Promise<T>): Promise<T> {
  const timed = current.getStore();
  if (!timed) return call();
  const start = performance.now();
  try {
    return await call();
  } finally {
    // Concurrent calls of one request overlap: their sum can exceed the wall time, so it is capped when written.
    timed[PROVIDER_MS] = Math.max(0, timed[PROVIDER_MS]) + (performance.now() - start);
  }
}

/** Sets the header from the response's clock; no-op on a response the middleware did not see or already sent. */
export function setServerTiming(res: Response): void {
  const timed = res as unknown as Partial<Timed>;
  const start = timed[START];
  if (start === undefined || res.headersSent) return;
  const total = performance.now() - start;
  const provider = Math.min(timed[PROVIDER_MS] ?? -1, total);
  res.setHeader(
    SERVER_TIMING_HEADER,
    provider < 0
      ? `paygrid;dur=${total.toFixed(2)}`
      : `paygrid;dur=${(total - provider).toFixed(2)}, provider;dur=${provider.toFixed(2)}`,
  );
}
