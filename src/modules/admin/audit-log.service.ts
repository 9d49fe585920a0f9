import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { newId } from '../../common/ids/ids.util';
import { ListQueryDto } from '../../common/http/pagination';
import { AuditLogRepository } from './audit-log.repository';
import { AuditLogEntry } from './entities/audit-log-entry.entity';

/** Who did something: an admin token id (`atk_…`), `cli`, or `system`. */
export interface Actor {
  actor: string;
  requestId?: string;
}

export interface AuditRecord {
  action: string;
  targetType: string;
  targetId?: string;
  before?: object | null;
  after?: object | null;
}

/**
 * Records admin writes inside the caller's transaction, so the change and its
 * audit row commit together. The table refuses UPDATE and DELETE.
 */
@Injectable()
export class AuditLogService {
  constructor(private readonly repo: AuditLogRepository) {}

  async record(manager: EntityManager, actor: Actor, record: AuditRecord): Promise<void> {
    const entry = new AuditLogEntry();
    entry.id = newId('aud');
    entry.actor = actor.actor;
    entry.action = record.action;
    entry.targetType = record.targetType;
    entry.targetId = record.targetId ?? null;
    entry.before = (record.before as Record<string, unknown>) ?? null;
    entry.after = (record.after as Record<string, unknown>) ?? null;
    entry.requestId = actor.requestId ?? null;
    entry.createdAt = new Date();
    await this.repo.insert(manager, entry);
  }

  list(query: ListQueryDto, filter: { targetId?: string; actor?: string }): Promise<AuditLogEntry[]> {
    return this.repo.list(query, filter);
  }
}
