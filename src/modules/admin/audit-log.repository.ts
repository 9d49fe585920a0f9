import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, FindOptionsWhere } from 'typeorm';
import { ListQueryDto, cursorWhere, pageSize } from '../../common/http/pagination';
import { AuditLogEntry } from './entities/audit-log-entry.entity';

@Injectable()
export class AuditLogRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(manager: EntityManager, entry: AuditLogEntry): Promise<void> {
    await manager.save(AuditLogEntry, entry);
  }

  list(query: ListQueryDto, filter: { targetId?: string; actor?: string }): Promise<AuditLogEntry[]> {
    const where: FindOptionsWhere<AuditLogEntry> = {};
    if (filter.targetId) where.targetId = filter.targetId;
    if (filter.actor) where.actor = filter.actor;
    return this.dataSource.getRepository(AuditLogEntry).find({
      where: cursorWhere(query, where),
      order: { id: 'DESC' },
      take: pageSize(query) + 1,
    });
  }
}
