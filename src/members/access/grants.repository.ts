import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Database } from '../../database/database.service';
import { HotQuery } from '../../database/hot-query';
import { dbDate, dbDateOrNull, insertRows } from '../../database/raw';
import { sqlDate } from '../../database/sql-date';
import { activeGrantParams, activeGrantSql } from './access-rule';
import { GrantEvent } from './entities/grant-event.entity';
import { Grant } from './entities/grant.entity';

@Injectable()
export class GrantsRepository {
  private readonly hot: HotQuery;

  constructor(private readonly db: Database) {
    this.hot = new HotQuery(db);
  }

  findById(id: number, m: EntityManager = this.db.manager): Promise<Grant | null> {
    return m.findOneBy(Grant, { id });
  }

  /**
   * The grant that gives access right now: not revoked, started, not ended; the longest-lasting wins.
   * For bookkeeping (extending, importing): whatever the product's status.
   */
  async findActive(clientId: number, productId: number, now: Date, m: EntityManager = this.db.manager): Promise<Grant | null> {
    const rows: Record<string, unknown>[] = await m.query(
      `SELECT g.* FROM grants g
        WHERE g.client_id = ? AND g.product_id = ? AND ${ACTIVE}
        ORDER BY ${LONGEST_FIRST}
        LIMIT 1`,
      [clientId, productId, ...activeGrantParams(now)],
    );
    return rows[0] ? toGrant(rows[0]) : null;
  }

  /**
   * The access check of the client area (every lesson page and download, hence plain SQL): an active grant of
   * a product the client area shows. A draft is not shown even to grantees; an archived product is (they paid).
   */
  async findAccess(clientId: number, productId: number, now: Date): Promise<Grant | null> {
    const rows = await this.hot.all(
      `SELECT g.* FROM grants g INNER JOIN products p ON p.id = g.product_id
        WHERE g.client_id = ? AND g.product_id = ? AND ${ACTIVE} AND ${SHOWN_TO_CLIENTS}
        ORDER BY ${LONGEST_FIRST}
        LIMIT 1`,
      [clientId, productId, ...activeGrantParams(now)],
    );
    return rows[0] ? toGrant(rows[0]) : null;
  }

  /** The client's access for "My products": one active grant per shown product (the one that lasts longest). */
  async listAccessForClient(clientId: number, now: Date): Promise<Grant[]> {
    const rows: Record<string, unknown>[] = await this.db.manager.query(
      `SELECT g.* FROM grants g INNER JOIN products p ON p.id = g.product_id
        WHERE g.client_id = ? AND ${ACTIVE} AND ${SHOWN_TO_CLIENTS}
        ORDER BY ${LONGEST_FIRST}`,
      [clientId, ...activeGrantParams(now)],
    );
    const best = new Map<number, Grant>();
    for (const r of rows) {
      const g = toGrant(r);
      if (!best.has(g.productId)) best.set(g.productId, g);
    }
    return [...best.values()];
  }

  /**
   * The client's grants that give (or will give) access: not revoked and not past their end, with the product's
   * title; `onlyIds` narrows them to those. One query, for offboarding's preview and revoke.
   */
  async runningForClient(clientId: number, now: Date, onlyIds: number[] | null, m: EntityManager = this.db.manager): Promise<(Grant & { productTitle: string })[]> {
    if (onlyIds && !onlyIds.length) return [];
    const rows: Record<string, unknown>[] = await m.query(
      `SELECT g.*, p.title AS product_title FROM grants g INNER JOIN products p ON p.id = g.product_id
        WHERE g.client_id = ? AND g.revoked_at IS NULL AND (g.ends_at IS NULL OR g.ends_at > ?)${onlyIds ? ` AND g.id IN (${onlyIds.map(() => '?').join(', ')})` : ''}
        ORDER BY g.id`,
      [clientId, sqlDate(now), ...(onlyIds ?? [])],
    );
    return rows.map((r) => ({ ...toGrant(r), productTitle: String(r.product_title) }));
  }

  /** Which of these grant ids are the client's (any state): to refuse another client's grant in an offboarding input. */
  async idsOfClient(clientId: number, ids: number[], m: EntityManager = this.db.manager): Promise<Set<number>> {
    if (!ids.length) return new Set();
    const rows: { id: number | string }[] = await m.query(`SELECT id FROM grants WHERE client_id = ? AND id IN (${ids.map(() => '?').join(', ')})`, [clientId, ...ids]);
    return new Set(rows.map((r) => Number(r.id)));
  }

  /** Revokes these grants in one statement (those not revoked yet). */
  async revokeMany(m: EntityManager, ids: number[], at: Date, by: number | null, reason: string): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      await m.query(`UPDATE grants SET revoked_at = ?, revoked_by = ?, reason = ?, updated_at = ? WHERE id IN (${part.map(() => '?').join(', ')}) AND revoked_at IS NULL`, [
        sqlDate(at),
        by,
        reason,
        sqlDate(at),
        ...part,
      ]);
    }
  }

  async addEvents(m: EntityManager, events: (Omit<GrantEvent, 'id' | 'createdAt' | 'orderId'> & { orderId?: number | null })[]): Promise<void> {
    const at = sqlDate(new Date());
    const date = (d: Date | null) => (d ? sqlDate(d) : null);
    await insertRows(
      m,
      'grant_events',
      ['grant_id', 'kind', 'ends_at_before', 'ends_at_after', 'actor_user_id', 'actor_label', 'reason', 'order_id', 'created_at'],
      events.map((e) => [e.grantId, e.kind, date(e.endsAtBefore), date(e.endsAtAfter), e.actorUserId, e.actorLabel, e.reason, e.orderId ?? null, at]),
    );
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

  async addEvent(m: EntityManager, e: Omit<GrantEvent, 'id' | 'createdAt' | 'orderId'> & { orderId?: number | null }): Promise<void> {
    await m.insert(GrantEvent, { ...e, orderId: e.orderId ?? null, createdAt: new Date() });
  }

  events(grantId: number): Promise<GrantEvent[]> {
    return this.db.manager.find(GrantEvent, { where: { grantId }, order: { id: 'ASC' } });
  }
}

/** The access rule on `g`; parameters: activeGrantParams(now). */
const ACTIVE = activeGrantSql('g');
/** Forever first, then the latest end, then the newest grant. */
const LONGEST_FIRST = 'CASE WHEN g.ends_at IS NULL THEN 1 ELSE 0 END DESC, g.ends_at DESC, g.id DESC';
/** Which products the client area shows at all (joined as `p`). */
const SHOWN_TO_CLIENTS = "p.status <> 'draft'";

function toGrant(r: Record<string, unknown>): Grant {
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
