import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { AuthErrors } from './auth.errors';
import type { SignedRequestHolder } from './merchant-context';
import { RequestVerifierService } from './request-verifier.service';

/** All values of one header from `rawHeaders`: `req.headers` silently drops duplicate Authorization headers. */
export function rawHeaderValues(rawHeaders: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2)
    if (rawHeaders[i].toLowerCase() === name) values.push(rawHeaders[i + 1]);
  return values;
}

function hasBody(req: SignedRequestHolder): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/**
 * Verifies the merchant signature of a `/v1` request over the exact bytes
 * received and puts the MerchantContext on the request.
 */
@Injectable()
export class MerchantSignatureGuard implements CanActivate {
  constructor(private readonly verifier: RequestVerifierService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<SignedRequestHolder>();
    // Only JSON and form bodies are captured raw (rawBody: true); a body no parser read cannot be verified.
    if (!req.rawBody && hasBody(req)) throw AuthErrors.bodyNotJson();
    req.merchant = await this.verifier.verify({
      authorization: rawHeaderValues(req.rawHeaders, 'authorization'),
      method: req.method,
      pathWithQuery: req.originalUrl,
      body: req.rawBody ?? Buffer.alloc(0),
      requestId: req.id ?? 'req_unknown',
    });
    return true;
  }
}
