import { ExecutionContext, UseGuards, applyDecorators, createParamDecorator } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
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
  );
}

/** The admin making the call, for the audit log. */
export const CurrentActor = createParamDecorator((_: unknown, ctx: ExecutionContext): Actor => {
  const req = ctx.switchToHttp().getRequest<AdminRequest>();
  return { actor: req.admin?.id ?? 'unknown', requestId: req.id };
});
