import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import type { AppConfig } from '../../config/config';
import { LoadShedder, ShedReason } from './load-shedder';
import { Metrics } from './metrics';

/** A request the middleware lets through stays open until `end()` (its response's 'close'). */
function harness(maxInFlight: number) {
  const shedder = new LoadShedder(
    { overload: { maxInFlight, maxEventLoopDelayMs: 0 } } as unknown as AppConfig,
    new Metrics(),
  );
  const refused: ShedReason[] = [];
  const middleware = shedder.middleware((_req, _res, reason) => refused.push(reason));
  const send = (url: string) => {
    const res = new EventEmitter();
    let passed = false;
    middleware({ url } as Request, res as unknown as Response, (() => (passed = true)) as NextFunction);
    return { passed, end: () => res.emit('close') };
  };
  return { shedder, refused, send };
}

describe('LoadShedder', () => {
  it('refuses past OVERLOAD_MAX_IN_FLIGHT and counts a request until its response closes', () => {
    const { shedder, refused, send } = harness(2);
    const a = send('/v1/payments');
    send('/v1/payments');
    expect(shedder.inFlight).toBe(2);
    expect(send('/v1/payments').passed).toBe(false);
    expect(refused).toEqual(['in_flight']);
    a.end();
    expect(send('/v1/payments').passed).toBe(true);
  });

  it('does not count an open cashier stream as in flight, but refuses a new one when overloaded', () => {
    const { shedder, refused, send } = harness(1);
    const streams = [1, 2, 3].map((n) => send(`/checkout/cs_${n}/events`));
    expect(streams.every((s) => s.passed)).toBe(true);
    expect(shedder.inFlight).toBe(0);
    // Open streams leave room for the API's own requests.
    const request = send('/v1/payments/pay_1');
    expect(request.passed).toBe(true);
    // Now the process is full: a new stream is refused like any request.
    expect(send('/checkout/cs_4/events').passed).toBe(false);
    expect(refused).toEqual(['in_flight']);
    // The status poll is an ordinary request (counted).
    request.end();
    send('/checkout/cs_5/status');
    expect(shedder.inFlight).toBe(1);
  });
});
