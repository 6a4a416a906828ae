import { Injectable } from '@nestjs/common';
import { EntityManager, In, Not } from 'typeorm';
import { Database } from '../../../database/database.service';
import { dbDate, insertRows } from '../../../database/raw';
import { sqlDate } from '../../../database/sql-date';
import { User } from '../../../users/entities/user.entity';
import { Order } from '../entities/order.entity';
import { Refund, RefundAdapterName, RefundStatus } from './entities/refund.entity';

export type OrderWithRefunded = Pick<Order, 'id' | 'externalId' | 'clientId' | 'productId' | 'status' | 'amountMinor' | 'currency' | 'paymentProvider' | 'paymentRef' | 'paidAt'> & {
  productTitle: string;
  refundedMinor: number;
};

/** A manual refund the owner still has to make in their payment system and confirm, with whose order it is. */
export interface AwaitingRefund {
  refundId: number;
  clientId: number;
  clientName: string | null;
  clientEmail: string | null;
  externalId: string;
  amountMinor: number;
  currency: string;
  requestedAt: Date;
}

@Injectable()
export class RefundsRepository {
  constructor(private readonly db: Database) {}

  findByKey(m: EntityManager, key: string): Promise<Refund | null> {
    return m.findOneBy(Refund, { idempotencyKey: key });
  }

  /** The refunds made under any of these keys (one query, for a step that owns one key per order). */
  findByKeys(keys: string[], m: EntityManager = this.db.manager): Promise<Refund[]> {
    if (!keys.length) return Promise.resolve([]);
    return m.find(Refund, { where: { idempotencyKey: In(keys) } });
  }

  /** MySQL: the row locked until commit, so a webhook and a resume recording at once take turns. */
  findForUpdate(m: EntityManager, id: number): Promise<Refund | null> {
    const qb = m.createQueryBuilder(Refund, 'r').where('r.id = :id', { id });
    if (this.db.isMysql) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  findById(id: number): Promise<Refund | null> {
    return this.db.manager.findOneBy(Refund, { id });
  }

  /** The client whose order this is; a plain read (no lock), so recording a refund never waits on its order. */
  async clientOf(orderId: number, m: EntityManager = this.db.manager): Promise<number | null> {
    return (await m.findOne(Order, { where: { id: orderId }, select: { id: true, clientId: true } }))?.clientId ?? null;
  }

  findByProviderRef(m: EntityManager, adapter: RefundAdapterName, providerRef: string): Promise<Refund | null> {
    return m.findOneBy(Refund, { adapter, providerRef });
  }

  /**
   * The order, locked until commit on MySQL, so two refunds of one order with different keys cannot both pass the
   * "never more than paid" check (SQLite's writer transactions are one at a time anyway).
   */
  lockOrder(m: EntityManager, orderId: number): Promise<Order | null> {
    const qb = m.createQueryBuilder(Order, 'o').where('o.id = :orderId', { orderId });
    if (this.db.isMysql) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  /** lockOrder() for many orders, in one statement. */
  lockOrders(m: EntityManager, orderIds: number[]): Promise<Order[]> {
    if (!orderIds.length) return Promise.resolve([]);
    const qb = m.createQueryBuilder(Order, 'o').where('o.id IN (:...orderIds)', { orderIds });
    if (this.db.isMysql) qb.setLock('pessimistic_write');
    return qb.getMany();
  }

  /** committedMinor() for many orders, in one statement (call it under lockOrders). */
  async committedMinorOf(m: EntityManager, orderIds: number[]): Promise<Map<number, number>> {
    if (!orderIds.length) return new Map();
    const qb = m
      .createQueryBuilder(Refund, 'r')
      .select('r.order_id', 'orderId')
      .addSelect('COALESCE(SUM(r.amount_minor), 0)', 'total')
      .where('r.order_id IN (:...orderIds)', { orderIds })
      .andWhere('r.status <> :failed', { failed: 'failed' })
      .groupBy('r.order_id');
    if (this.db.isMysql) qb.setLock('pessimistic_write');
    const rows = await qb.getRawMany<{ orderId: number | string; total: number | string }>();
    return new Map(rows.map((r) => [Number(r.orderId), Number(r.total)]));
  }

  findManyForUpdate(m: EntityManager, ids: number[]): Promise<Refund[]> {
    if (!ids.length) return Promise.resolve([]);
    const qb = m.createQueryBuilder(Refund, 'r').where('r.id IN (:...ids)', { ids });
    if (this.db.isMysql) qb.setLock('pessimistic_write');
    return qb.getMany();
  }

  /** insert() for many rows, in one statement; read them back by key. */
  async insertMany(m: EntityManager, rows: Pick<Refund, 'orderId' | 'idempotencyKey' | 'adapter' | 'orderRef' | 'amountMinor' | 'currency' | 'createdBy' | 'createdByLabel'>[], at: Date): Promise<void> {
    const when = sqlDate(at);
    await insertRows(
      m,
      'refunds',
      ['order_id', 'idempotency_key', 'adapter', 'order_ref', 'amount_minor', 'amount_currency', 'status', 'provider_ref', 'attempts', 'last_error', 'requested_at', 'updated_at', 'finished_at', 'created_by', 'created_by_label'],
      rows.map((r) => [r.orderId, r.idempotencyKey, r.adapter, r.orderRef, r.amountMinor, r.currency, 'started', null, 1, null, when, when, null, r.createdBy, r.createdByLabel]),
    );
  }

  /** record() of one answer for many rows. */
  async recordMany(m: EntityManager, ids: number[], set: { status: RefundStatus; providerRef: string | null; lastError: string | null; finishedAt: Date | null }, at: Date): Promise<void> {
    if (!ids.length) return;
    await m.query(`UPDATE refunds SET status = ?, provider_ref = ?, last_error = ?, finished_at = ?, updated_at = ? WHERE id IN (${ids.map(() => '?').join(', ')})`, [
      set.status,
      set.providerRef,
      set.lastError,
      set.finishedAt ? sqlDate(set.finishedAt) : null,
      sqlDate(at),
      ...ids,
    ]);
  }

  async markAttempts(m: EntityManager, ids: number[], at: Date): Promise<void> {
    await m.createQueryBuilder().update(Refund).set({ attempts: () => 'attempts + 1', updatedAt: at }).where('id IN (:...ids)', { ids }).execute();
  }

  /** What is refunded or may be: every refund of the order that has not failed. */
  async committedMinor(m: EntityManager, orderId: number): Promise<number> {
    const qb = m
      .createQueryBuilder(Refund, 'r')
      .select('COALESCE(SUM(r.amount_minor), 0)', 'total')
      .where('r.order_id = :orderId', { orderId })
      .andWhere('r.status <> :failed', { failed: 'failed' });
    // MySQL: a locking read sees the latest committed rows, not the transaction's snapshot (call it under lockOrder)
    if (this.db.isMysql) qb.setLock('pessimistic_write'); // FOR UPDATE: MariaDB has no FOR SHARE
    const row = await qb.getRawOne<{ total: string | number }>();
    return Number(row?.total ?? 0);
  }

  insert(m: EntityManager, data: Pick<Refund, 'orderId' | 'idempotencyKey' | 'adapter' | 'orderRef' | 'amountMinor' | 'currency' | 'createdBy' | 'createdByLabel'>, at: Date): Promise<Refund> {
    return m.save(Refund, m.create(Refund, { ...data, status: 'started', providerRef: null, attempts: 1, lastError: null, requestedAt: at, updatedAt: at, finishedAt: null }));
  }

  async markAttempt(m: EntityManager, id: number, at: Date): Promise<void> {
    await m.createQueryBuilder().update(Refund).set({ attempts: () => 'attempts + 1', updatedAt: at }).where('id = :id', { id }).execute();
  }

  async record(m: EntityManager, id: number, set: { status: RefundStatus; providerRef: string | null; lastError: string | null; finishedAt: Date | null }, at: Date): Promise<void> {
    await m.update(Refund, { id }, { ...set, updatedAt: at });
  }

  /**
   * Every order of the client with its product's title and what is refunded or may be (refunds not failed), in one
   * query: what an offboarding may still refund, order by order.
   */
  async ordersWithRefundedOfClient(clientId: number, m: EntityManager = this.db.manager): Promise<OrderWithRefunded[]> {
    const rows: Record<string, unknown>[] = await m.query(
      `SELECT o.id, o.external_id, o.client_id, o.product_id, o.status, o.amount_minor, o.amount_currency, o.payment_provider, o.payment_ref, o.paid_at,
              p.title AS product_title,
              COALESCE((SELECT SUM(r.amount_minor) FROM refunds r WHERE r.order_id = o.id AND r.status <> 'failed'), 0) AS refunded_minor
         FROM orders o LEFT JOIN products p ON p.id = o.product_id
        WHERE o.client_id = ?
        ORDER BY o.id`,
      [clientId],
    );
    return rows.map((r) => ({
      id: Number(r.id),
      externalId: String(r.external_id),
      clientId: Number(r.client_id),
      productId: Number(r.product_id),
      status: r.status as Order['status'],
      amountMinor: Number(r.amount_minor),
      currency: String(r.amount_currency),
      paymentProvider: (r.payment_provider as Order['paymentProvider']) ?? null,
      paymentRef: (r.payment_ref as string | null) ?? null,
      paidAt: dbDate(r.paid_at),
      productTitle: String(r.product_title ?? ''),
      refundedMinor: Number(r.refunded_minor),
    }));
  }

  /** The refunds of these orders, oldest first, for the order lists. */
  listForOrders(orderIds: number[]): Promise<Refund[]> {
    if (!orderIds.length) return Promise.resolve([]);
    return this.db.manager.find(Refund, { where: { orderId: In(orderIds) }, order: { id: 'ASC' } });
  }

  /** Refunds waiting for the provider (pending, unknown, started), for a job or a step to look up again. */
  listOpen(limit: number): Promise<Refund[]> {
    return this.db.manager.find(Refund, { where: { status: Not(In(['succeeded', 'failed'])) }, order: { id: 'ASC' }, take: limit });
  }

  /** Manual refunds waiting for the owner (ix_refunds_status), oldest first, and how many there are in all. */
  async awaitingOwner(limit: number): Promise<{ items: AwaitingRefund[]; total: number }> {
    const where = "r.status = 'pending' AND r.adapter = 'manual'";
    const [rows, total] = await Promise.all([
      this.db.manager
        .createQueryBuilder(Refund, 'r')
        .innerJoin(Order, 'o', 'o.id = r.order_id')
        .leftJoin(User, 'u', 'u.id = o.client_id')
        .select('r.id', 'refundId')
        .addSelect('o.client_id', 'clientId')
        .addSelect('u.name', 'clientName')
        .addSelect('u.email', 'clientEmail')
        .addSelect('o.external_id', 'externalId')
        .addSelect('r.amount_minor', 'amountMinor')
        .addSelect('r.currency', 'currency')
        .addSelect('r.requested_at', 'requestedAt')
        .where(where)
        .orderBy('r.requested_at', 'ASC')
        .addOrderBy('r.id', 'ASC')
        .limit(limit)
        .getRawMany<Record<string, unknown>>(),
      this.db.manager.createQueryBuilder(Refund, 'r').where(where).getCount(),
    ]);
    const items = rows.map((r) => ({
      refundId: Number(r.refundId),
      clientId: Number(r.clientId),
      clientName: (r.clientName as string | null) ?? null,
      clientEmail: (r.clientEmail as string | null) ?? null,
      externalId: String(r.externalId),
      amountMinor: Number(r.amountMinor),
      currency: String(r.currency),
      requestedAt: dbDate(r.requestedAt),
    }));
    return { items, total };
  }
}
