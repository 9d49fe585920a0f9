import { ExecutionContext, UseGuards, applyDecorators, createParamDecorator } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AdminAuthGuard, AdminRequest } from './admin-auth.guard';
import type { Actor } from './audit-log.service';
import { ApiErrors } from '../../common/http/api-errors.decorator';

/** Marks a controller as part of `/admin/v1`: bearer auth with roles, documented once. */
export function AdminApi(tag: string): ClassDecorator {
  return applyDecorators(
    ApiTags(tag),
    ApiBearerAuth('admin'),
    UseGuards(AdminAuthGuard),
    ApiErrors(
      'admin_token_missing',
      ['admin_token_invalid', 'unknown or revoked admin token'],
      ['admin_role_required', 'a viewer token on a write'],
      [
        'rate_limited',
        'too many requests (IP_RATE_LIMIT_ADMIN_PER_MINUTE) or failed admin tokens (ADMIN_AUTH_FAILURES_PER_MINUTE) from this address; see Retry-After',
      ],
    ),
  );
}

/** The admin making the call, for the audit log. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<AdminRequest>();
  return { actor: req.admin?.id ?? 'unknown', requestId: req.id };
});
