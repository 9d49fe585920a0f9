import type { AdminTokenResponseDto, AuditLogEntryDto } from './dto/admin-token.dto';
import type { AdminToken } from './entities/admin-token.entity';
import type { AuditLogEntry } from './entities/audit-log-entry.entity';

export const toAdminTokenResponse = (t: AdminToken, secret?: string): AdminTokenResponseDto => ({
  id: t.id,
  name: t.name,
  role: t.role,
  created_at: t.createdAt.toISOString(),
  revoked_at: t.revokedAt ? t.revokedAt.toISOString() : null,
  ...(secret ? { token: secret } : {}),
});

export const toAuditLogEntryResponse = (e: AuditLogEntry): AuditLogEntryDto => ({
  id: e.id,
  actor: e.actor,
  action: e.action,
  target_type: e.targetType,
  target_id: e.targetId,
  before: e.before,
  after: e.after,
  request_id: e.requestId,
  created_at: e.createdAt.toISOString(),
});
