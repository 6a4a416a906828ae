import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull } from 'typeorm';
import { Database } from '../../database/database.service';
import { ApiKey } from './entities/api-key.entity';

@Injectable()
export class ApiKeysRepository {
  constructor(private readonly db: Database) {}

  insert(m: EntityManager, data: Pick<ApiKey, 'name' | 'prefix' | 'keyHash' | 'createdBy'>): Promise<ApiKey> {
    return m.save(ApiKey, m.create(ApiKey, { ...data, createdAt: new Date(), lastUsedAt: null, revokedAt: null }));
  }

  findActiveByHash(keyHash: string): Promise<ApiKey | null> {
    return this.db.manager.findOneBy(ApiKey, { keyHash, revokedAt: IsNull() });
  }

  findById(id: number, m: EntityManager = this.db.manager): Promise<ApiKey | null> {
    return m.findOneBy(ApiKey, { id });
  }

  list(): Promise<ApiKey[]> {
    return this.db.manager.find(ApiKey, { order: { id: 'DESC' } });
  }

  async touch(id: number, at: Date): Promise<void> {
    await this.db.write((m) => m.update(ApiKey, { id }, { lastUsedAt: at }));
  }

  countActiveCreatedBy(userId: number, m: EntityManager = this.db.manager): Promise<number> {
    return m.countBy(ApiKey, { createdBy: userId, revokedAt: IsNull() });
  }

  /** Every key this person created that still works, revoked in one statement (a closed account keeps none). */
  async revokeCreatedBy(m: EntityManager, userId: number, at: Date): Promise<number> {
    const res = await m.update(ApiKey, { createdBy: userId, revokedAt: IsNull() }, { revokedAt: at });
    return res.affected ?? 0;
  }

  async revoke(m: EntityManager, id: number, at: Date): Promise<void> {
    await m.update(ApiKey, { id }, { revokedAt: at });
  }
}
