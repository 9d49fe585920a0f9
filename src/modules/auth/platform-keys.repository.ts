import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, MoreThan } from 'typeorm';
import { withTransaction } from '../../persistence/transaction.util';
import { PlatformKey, PlatformKeyUse } from './entities/platform-key.entity';

// One lock id for every change to platform keys: boots of several replicas and rotations serialise on it.
const PLATFORM_KEYS_LOCK = 'paygrid:platform_keys';

@Injectable()
export class PlatformKeysRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Active keys and retired keys still inside their grace period. */
  listPublished(now: Date): Promise<PlatformKey[]> {
    return this.dataSource.manager.find(PlatformKey, {
      where: [{ status: 'active' }, { status: 'retired', retireAfter: MoreThan(now) }],
      order: { id: 'DESC' },
    });
  }

  listAll(): Promise<PlatformKey[]> {
    return this.dataSource.manager.find(PlatformKey, { order: { id: 'DESC' } });
  }

  countActive(use: PlatformKeyUse): Promise<number> {
    return this.dataSource.manager.countBy(PlatformKey, { use, status: 'active' });
  }

  /** Runs `fn` in a transaction holding the platform-keys advisory lock. */
  withLock<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return withTransaction(this.dataSource, async (m) => {
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [PLATFORM_KEYS_LOCK]);
      return fn(m);
    });
  }

  findActive(manager: EntityManager, use: PlatformKeyUse): Promise<PlatformKey | null> {
    return manager.findOneBy(PlatformKey, { use, status: 'active' });
  }

  findById(manager: EntityManager | undefined, id: string): Promise<PlatformKey | null> {
    return (manager ?? this.dataSource.manager).findOneBy(PlatformKey, { id });
  }

  async insert(manager: EntityManager, key: PlatformKey): Promise<void> {
    await manager.save(PlatformKey, key);
  }

  async retire(manager: EntityManager, id: string, at: Date, retireAfter: Date): Promise<void> {
    await manager.update(PlatformKey, { id, status: 'active' }, { status: 'retired', retiredAt: at, retireAfter });
  }

  /** Ends a retired key's grace period now: it leaves the JWKS (and, for `enc`, decryption) at once. */
  async endGrace(manager: EntityManager, id: string, at: Date): Promise<void> {
    await manager.update(PlatformKey, { id, status: 'retired' }, { retireAfter: at });
  }
}
