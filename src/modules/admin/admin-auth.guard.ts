import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { authenticationError, permissionError } from '../../common/errors/domain-error';
import { IpRateLimiter, clientIp, ipRateLimited } from '../../common/http/ip-rate-limit';
import { AdminTokensService } from './admin-tokens.service';
import type { AdminToken } from './entities/admin-token.entity';

export type AdminRequest = Request & { admin?: AdminToken; id?: string };

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Bearer tokens with roles. The rule is by HTTP method so no route can forget
 * it: `viewer` may read, only `admin` may change anything. An address that
 * failed ADMIN_AUTH_FAILURES_PER_MINUTE times is refused (429) for a minute
 * before any token is looked at, so guessing tokens gets nowhere; other
 * addresses are unaffected.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly tokens: AdminTokensService,
    private readonly ipLimits: IpRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AdminRequest>();
    const ip = clientIp(req);
    const wait = this.ipLimits.adminAuthBlocked(ip);
    if (wait !== undefined) throw ipRateLimited(wait, 'failed admin-token attempts');
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S{1,512})$/.exec(header) : null;
    if (!match)
      throw authenticationError('admin_token_missing', 'Send an admin token as `Authorization: Bearer <token>`');
    const token = await this.tokens.authenticate(match[1]);
    if (!token) {
      await this.ipLimits.adminAuthFailed(ip);
      throw authenticationError('admin_token_invalid', 'The admin token is unknown or revoked');
    }
    if (!READ_METHODS.has(req.method) && token.role !== 'admin') {
      throw permissionError('admin_role_required', 'This call changes data and needs a token with the admin role');
    }
    req.admin = token;
    return true;
  }
}
