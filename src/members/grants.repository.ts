import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { sqlDate } from '../database/sql-date';
import { GrantEvent } from './entities/grant-event.entity';
import { Grant } from './entities/grant.entity';

@Injectable()
export class GrantsRepository {
  constructor(private readonly db: Database) {}

  findById(id: number, m: EntityManager = this.db.manager): Promise<Grant | null> {
    return m.findOneBy(Grant, { id });
  }

  /** The grant that gives access right now: not revoked, started, not ended. Latest end wins. */
  findActive(clientId: number, productId: number, now: Date, m: EntityManager = this.db.manager): Promise<Grant | null> {
    return m
      .createQueryBuilder(Grant, 'g')
      .where('g.client_id = :clientId AND g.product_id = :productId AND g.revoked_at IS NULL', { clientId, productId })
      .andWhere('g.starts_at <= :now AND (g.ends_at IS NULL OR g.ends_at > :now)', { now: sqlDate(now) })
      .orderBy('CASE WHEN g.ends_at IS NULL THEN 1 ELSE 0 END', 'DESC')
      .addOrderBy('g.ends_at', 'DESC')
      .getOne();
  }

  /** Active grants of one client, one per product (the one that lasts longest). */
  async listActiveForClient(clientId: number, now: Date): Promise<Grant[]> {
    const rows = await this.db.manager
      .createQueryBuilder(Grant, 'g')
      .where('g.client_id = :clientId AND g.revoked_at IS NULL', { clientId })
      .andWhere('g.starts_at <= :now AND (g.ends_at IS NULL OR g.ends_at > :now)', { now: sqlDate(now) })
      .getMany();
    const best = new Map<number, Grant>();
    for (const g of rows) {
      const cur = best.get(g.productId);
      if (!cur || (cur.endsAt !== null && (g.endsAt === null || g.endsAt > cur.endsAt))) best.set(g.productId, g);
    }
    return [...best.values()];
  }

  listForClient(clientId: number): Promise<Grant[]> {
    return this.db.manager.find(Grant, { where: { clientId }, order: { id: 'DESC' } });
  }

  insert(m: EntityManager, data: Omit<Grant, 'id' | 'createdAt' | 'updatedAt'>): Promise<Grant> {
    const now = new Date();
    return m.save(Grant, m.create(Grant, { ...data, createdAt: now, updatedAt: now }));
  }

  async update(m: EntityManager, id: number, patch: Partial<Pick<Grant, 'endsAt' | 'revokedAt' | 'revokedBy' | 'reason'>>): Promise<void> {
    await m.update(Grant, { id }, { ...patch, updatedAt: new Date() });
  }

  async addEvent(m: EntityManager, e: Omit<GrantEvent, 'id' | 'createdAt'>): Promise<void> {
    await m.insert(GrantEvent, { ...e, createdAt: new Date() });
  }

  events(grantId: number): Promise<GrantEvent[]> {
    return this.db.manager.find(GrantEvent, { where: { grantId }, order: { id: 'ASC' } });
  }
}
