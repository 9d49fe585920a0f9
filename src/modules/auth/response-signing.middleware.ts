import { Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { randomBytes, sign } from 'node:crypto';
import { setServerTiming } from '../../common/http/server-timing';
import { PlatformKeysService } from './platform-keys.service';

export const RESPONSE_SIGNATURE_HEADERS = {
  keyId: 'Paygrid-Key-Id',
  timestamp: 'Paygrid-Timestamp',
  nonce: 'Paygrid-Nonce',
  signature: 'Paygrid-Signature',
} as const;

const SIGNED = Symbol('paygrid:response-signed');

/** `TIMESTAMP\nNONCE\nBODY\n` as bytes, BODY being exactly what goes on the wire. */
export function responseStringToSign(timestamp: number, nonce: string, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), body, Buffer.from('\n', 'utf8')]);
}

/**
 * Signs every `/v1` response with the platform key (docs/api.md "Platform
 * signatures on responses").
 *
 * Why a middleware wrapping `res.send` and not an interceptor: interceptors
 * see a handler's return value, but not the error bodies the global
 * exception filter writes (401s of the signature guard, 429s, 404s of
 * unknown /v1 routes, validation 400s). Every JSON response, from a handler
 * or from the filter, ends in `res.send` with the final string, so signing
 * there covers all of them and signs the exact bytes sent. Mounted on
 * `/v1` in app.factory, before the router.
 */
@Injectable()
export class ResponseSigningMiddleware {
  private readonly logger = new Logger(ResponseSigningMiddleware.name);

  constructor(private readonly keys: PlatformKeysService) {}

  readonly handle = (req: Request, res: Response, next: NextFunction): void => {
    // A 304 would drop the body the signature covers; signed responses always carry their body.
    delete req.headers['if-none-match'];
    delete req.headers['if-modified-since'];
    res.setHeader('Cache-Control', 'no-store');
    const originalSend = res.send;
    res.send = (body?: unknown): Response => {
      const bytes = bodyBytes(body);
      // Objects, numbers and booleans come back through res.json -> res.send(string).
      if (bytes === undefined) return originalSend.call(res, body);
      if (!(res as unknown as Record<symbol, boolean>)[SIGNED] && !res.headersSent) {
        (res as unknown as Record<symbol, boolean>)[SIGNED] = true;
        this.sign(res, bytes);
        // Last, so the figure covers signing too: what follows is only the socket write.
        setServerTiming(res);
      }
      return originalSend.call(res, body);
    };
    next();
  };

  private sign(res: Response, body: Buffer): void {
    try {
      const key = this.keys.currentSigningKey();
      const timestamp = Math.floor(Date.now() / 1000);
      const nonce = randomBytes(16).toString('hex');
      const signature = sign(null, responseStringToSign(timestamp, nonce, body), key.privateKey).toString('base64');
      res.setHeader(RESPONSE_SIGNATURE_HEADERS.keyId, key.kid);
      res.setHeader(RESPONSE_SIGNATURE_HEADERS.timestamp, String(timestamp));
      res.setHeader(RESPONSE_SIGNATURE_HEADERS.nonce, nonce);
      res.setHeader(RESPONSE_SIGNATURE_HEADERS.signature, signature);
    } catch (err) {
      // Unsigned is better than no answer: the SDK rejects it, and the operator sees why here.
      this.logger.error({ err }, 'Could not sign a /v1 response');
    }
  }
}

/** The bytes Express will write for this `send` argument, or undefined when send re-enters itself via json(). */
function bodyBytes(body: unknown): Buffer | undefined {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (Buffer.isBuffer(body)) return body;
  return undefined;
}
