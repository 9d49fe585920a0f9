import { ExecutionContext, UseGuards, applyDecorators, createParamDecorator } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiForbiddenResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../../common/http/error-response.dto';
import { AdminAuthGuard, AdminRequest } from './admin-auth.guard';
import type { Actor } from './audit-log.service';

/** Marks a controller as part of `/admin/v1`: bearer auth with roles, documented once. */
export function AdminApi(tag: string): ClassDecorator {
  return applyDecorators(
    ApiTags(tag),
    ApiBearerAuth('admin'),
    UseGuards(AdminAuthGuard),
    ApiUnauthorizedResponse({ description: 'Missing, unknown or revoked admin token', type: ErrorResponseDto }),
    ApiForbiddenResponse({ description: 'A viewer token on a write', type: ErrorResponseDto }),
    ApiTooManyRequestsResponse({
      description:
        '`rate_limited`: too many requests (IP_RATE_LIMIT_ADMIN_PER_MINUTE) or failed admin tokens (ADMIN_AUTH_FAILURES_PER_MINUTE) from this address; see Retry-After',
      type: ErrorResponseDto,
    }),
  );
}

/** The admin making the call, for the audit log. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<AdminRequest>();
  return { actor: req.admin?.id ?? 'unknown', requestId: req.id };
});
