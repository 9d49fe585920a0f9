import { AdminToken } from './entities/admin-token.entity';
import { AuditLogEntry } from './entities/audit-log-entry.entity';

/** The tables this module owns; the data source at the top concatenates every module's list. */
export const ADMIN_ENTITIES = [AdminToken, AuditLogEntry];
