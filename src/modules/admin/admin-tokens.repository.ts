import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AdminToken } from './entities/admin-token.entity';

@Injectable()
export class AdminTokensRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findActiveByHash(tokenHash: string): Promise<AdminToken | null> {
    return this.dataSource.getRepository(AdminToken).findOneBy({ tokenHash, revokedAt: IsNull() });
  }

  findByHash(tokenHash: string): Promise<AdminToken | null> {
    return this.dataSource.getRepository(AdminToken).findOneBy({ tokenHash });
  }

  findById(id: string): Promise<AdminToken | null> {
    return this.dataSource.getRepository(AdminToken).findOneBy({ id });
  }

  list(): Promise<AdminToken[]> {
    return this.dataSource.getRepository(AdminToken).find({ order: { id: 'DESC' } });
  }

  /** Inserts unless a token with the same hash exists (concurrent boots of several replicas). */
  async insertIfAbsent(manager: EntityManager, token: AdminToken): Promise<void> {
    await manager.createQueryBuilder().insert().into(AdminToken).values(token).orIgnore().execute();
  }

  async revoke(manager: EntityManager, id: string, at: Date): Promise<boolean> {
    const result = await manager.update(AdminToken, { id, revokedAt: IsNull() }, { revokedAt: at });
    return (result.affected ?? 0) > 0;
  }
}
