import { Global, Module } from '@nestjs/common';
import { AdminAuthGuard } from './admin-auth.guard';
import { AdminTokensRepository } from './admin-tokens.repository';
import { AdminTokensService } from './admin-tokens.service';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogService } from './audit-log.service';

/** Global so every module's admin controller can use the guard and the audit log. */
@Global()
@Module({
  providers: [AdminTokensRepository, AdminTokensService, AuditLogRepository, AuditLogService, AdminAuthGuard],
  exports: [AdminTokensService, AuditLogService, AdminAuthGuard],
})
export class AdminModule {}
