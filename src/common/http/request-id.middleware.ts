import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type RequestWithId = IncomingMessage & { id?: string; rawBody?: Buffer };

/**
 * Every response carries `Request-Id`; the same id is in the logs and in
 * error bodies. A caller's own `Request-Id` is not trusted (it would let one
 * client make its requests look like another's in the logs).
 */
export function assignRequestId(req: RequestWithId, res: ServerResponse): string {
  if (!req.id) {
    req.id = `req_${randomBytes(12).toString('hex')}`;
    res.setHeader('Request-Id', req.id);
  }
  return req.id;
}

export function requestIdMiddleware(req: RequestWithId, res: ServerResponse, next: () => void): void {
  assignRequestId(req, res);
  next();
}
