import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import type { Request } from 'express';
import { DomainError } from '../../common/errors/domain-error';

/** Who signed the request, as established by the signature guard of `@SignedApi`. */
export interface MerchantContext {
  merchantId: string;
  appId: string;
  keyId: string;
  requestId: string;
}

export type SignedRequestHolder = Request & { id?: string; rawBody?: Buffer; merchant?: MerchantContext };

export function merchantContextOf(req: SignedRequestHolder): MerchantContext {
  // Only reachable when a route uses @MerchantContext() without @SignedApi: a programming error, so a 500.
  if (!req.merchant)
    throw new DomainError({
      code: 'internal_error',
      message: 'An internal error occurred',
    });
  return req.merchant;
}

/** The authenticated merchant of a `@SignedApi` route: `@MerchantContext() ctx: MerchantContext`. */
export const MerchantContext = createParamDecorator((_: unknown, ctx: ExecutionContext): MerchantContext => {
  return merchantContextOf(ctx.switchToHttp().getRequest<SignedRequestHolder>());
});
