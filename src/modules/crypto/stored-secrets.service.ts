import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { encryptionContext } from './encrypted-column';
import { StoredSecret } from './entities/stored-secret.entity';
import { KeyRing } from './key-ring';

/** Generate-once secrets: the first replica to boot writes one, everyone reads the same. */
@Injectable()
export class StoredSecretsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keyRing: KeyRing,
  ) {}

  async getOrCreate(id: string, generate: () => Buffer | string): Promise<Buffer> {
    const context = encryptionContext('stored_secrets', 'value_enc', id);
    const existing = await this.dataSource.manager.findOneBy(StoredSecret, { id });
    if (!existing) {
      const fresh: StoredSecret = { id, valueEnc: this.keyRing.encrypt(generate(), context), createdAt: new Date() };
      await this.dataSource.createQueryBuilder().insert().into(StoredSecret).values(fresh).orIgnore().execute();
    }
    const stored = existing ?? (await this.dataSource.manager.findOneByOrFail(StoredSecret, { id }));
    return this.keyRing.decryptToBuffer(stored.valueEnc, context);
  }

  async getOrCreateJson<T>(id: string, generate: () => T): Promise<T> {
    const raw = await this.getOrCreate(id, () => JSON.stringify(generate()));
    return JSON.parse(raw.toString('utf8')) as T;
  }
}
