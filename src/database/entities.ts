/**
 * Every TypeORM entity, listed explicitly (no globs, so the same list works
 * from src/ under swc and from dist/). Each module owns its tables; add a
 * module's entities here together with its migration.
 */
import { AdminToken } from '../modules/admin/entities/admin-token.entity';
import { AuditLogEntry } from '../modules/admin/entities/audit-log-entry.entity';
import { App } from '../modules/merchants/entities/app.entity';
import { AppKey } from '../modules/merchants/entities/app-key.entity';
import { Merchant } from '../modules/merchants/entities/merchant.entity';

export const ENTITIES = [AdminToken, AuditLogEntry, Merchant, App, AppKey];
