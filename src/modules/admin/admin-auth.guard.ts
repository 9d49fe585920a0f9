import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { authenticationError, permissionError } from '../../common/errors/domain-error';
import { AdminTokensService } from './admin-tokens.service';
import type { AdminToken } from './entities/admin-token.entity';

export type AdminRequest = Request & { admin?: AdminToken; id?: string };

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Bearer tokens with roles. The rule is by HTTP method so no route can forget
 * it: `viewer` may read, only `admin` may change anything.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(private readonly tokens: AdminTokensService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AdminRequest>();
    const header = req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S{1,512})$/.exec(header) : null;
    if (!match) throw authenticationError('admin_token_missing', 'Send an admin token as `Authorization: Bearer <token>`');
    const token = await this.tokens.authenticate(match[1]);
    if (!token) throw authenticationError('admin_token_invalid', 'The admin token is unknown or revoked');
    if (!READ_METHODS.has(req.method) && token.role !== 'admin') {
      throw permissionError('admin_role_required', 'This call changes data and needs a token with the admin role');
    }
    req.admin = token;
    return true;
  }
}
