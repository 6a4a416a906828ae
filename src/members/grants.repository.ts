import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../database/database.service';
import { dbDate, dbDateOrNull } from '../database/raw';
import { sqlDate } from '../database/sql-date';
import { GrantEvent } from './entities/grant-event.entity';
import { Grant } from './entities/grant.entity';

@Injectable()
export class GrantsRepository {
  constructor(private readonly db: Database) {}

  findById(id: number, m: EntityManager = this.db.manager): Promise<Grant | null> {
    return m.findOneBy(Grant, { id });
  }

  /**
   * The grant that gives access right now: not revoked, started, not ended; the longest-lasting wins.
   * Plain SQL: this is the access check of every lesson page and download.
   */
  async findActive(clientId: number, productId: number, now: Date, m: EntityManager = this.db.manager): Promise<Grant | null> {
    const at = sqlDate(now);
    const rows: Record<string, unknown>[] = await m.query(
      `SELECT * FROM grants
        WHERE client_id = ? AND product_id = ? AND revoked_at IS NULL AND starts_at <= ? AND (ends_at IS NULL OR ends_at > ?)
        ORDER BY CASE WHEN ends_at IS NULL THEN 1 ELSE 0 END DESC, ends_at DESC, id DESC
        LIMIT 1`,
      [clientId, productId, at, at],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      id: Number(r.id),
      clientId: Number(r.client_id),
      productId: Number(r.product_id),
      startsAt: dbDate(r.starts_at),
      endsAt: dbDateOrNull(r.ends_at),
      source: r.source as Grant['source'],
      revokedAt: dbDateOrNull(r.revoked_at),
      revokedBy: r.revoked_by === null ? null : Number(r.revoked_by),
      reason: (r.reason as string | null) ?? null,
      orderId: r.order_id === null ? null : Number(r.order_id),
      accessKeyId: r.access_key_id === null ? null : Number(r.access_key_id),
      createdAt: dbDate(r.created_at),
      updatedAt: dbDate(r.updated_at),
    };
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
