import { Injectable } from '@nestjs/common';
import { EntityManager, In, Not } from 'typeorm';
import { Database } from '../../../database/database.service';
import { Order } from '../entities/order.entity';
import { Refund, RefundAdapterName, RefundStatus } from './entities/refund.entity';

@Injectable()
export class RefundsRepository {
  constructor(private readonly db: Database) {}

  findByKey(m: EntityManager, key: string): Promise<Refund | null> {
    return m.findOneBy(Refund, { idempotencyKey: key });
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

  /** The refunds of these orders, oldest first, for the order lists. */
  listForOrders(orderIds: number[]): Promise<Refund[]> {
    if (!orderIds.length) return Promise.resolve([]);
    return this.db.manager.find(Refund, { where: { orderId: In(orderIds) }, order: { id: 'ASC' } });
  }

  /** Refunds waiting for the provider (pending, unknown, started), for a job or a step to look up again. */
  listOpen(limit: number): Promise<Refund[]> {
    return this.db.manager.find(Refund, { where: { status: Not(In(['succeeded', 'failed'])) }, order: { id: 'ASC' }, take: limit });
  }
}
