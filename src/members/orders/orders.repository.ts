import { Injectable } from '@nestjs/common';
import { EntityManager, In, IsNull, Not } from 'typeorm';
import { Page } from '../../common/http/pagination';
import { Database } from '../../database/database.service';
import { GrantEvent } from '../access/entities/grant-event.entity';
import { Grant } from '../access/entities/grant.entity';
import { Product } from '../catalogue/entities/product.entity';
import { User } from '../../users/entities/user.entity';
import { Order, OrderStatus } from './entities/order.entity';

/**
 * The reason a purchase writes on the grant event it causes, for people reading the grant's history. Only
 * display: the event's order_id is what says which order it was.
 */
export const purchaseTag = (orderId: number): string => `order #${orderId}`;

/** What purchases did to one grant: created it, and/or extended it (the end it had before the latest one). */
export interface PurchaseEffect {
  grant: Grant;
  createdByPurchase: boolean;
  /** ends_at before the latest purchase that extended this grant; undefined when none extended it. */
  endsAtBeforePurchase?: Date | null;
}

export interface OrderFilter {
  clientId?: number;
  /** Substring of the client's email. */
  email?: string;
  productId?: number;
  status?: OrderStatus;
}

/** An order with the names an admin list shows beside it. */
export interface OrderRow {
  order: Order;
  clientEmail: string;
  productSlug: string;
  productTitle: string;
}

@Injectable()
export class OrdersRepository {
  constructor(private readonly db: Database) {}

  listForClient(clientId: number): Promise<Order[]> {
    return this.db.manager.find(Order, { where: { clientId }, order: { paidAt: 'DESC', id: 'DESC' } });
  }

  findByExternalId(m: EntityManager, externalId: string): Promise<Order | null> {
    return m.findOneBy(Order, { externalId });
  }

  insert(m: EntityManager, data: Omit<Order, 'id' | 'createdAt' | 'refundedAt' | 'status'>, status: 'paid' | 'held' = 'paid'): Promise<Order> {
    return m.save(Order, m.create(Order, { ...data, status, refundedAt: null, createdAt: new Date() }));
  }

  findById(m: EntityManager, id: number): Promise<Order | null> {
    return m.findOneBy(Order, { id });
  }

  /** A held order (src/bans) leaves `held` once: false when someone else released or declined it first. */
  async settleHeld(m: EntityManager, id: number, status: 'paid' | 'declined'): Promise<boolean> {
    const res = await m.update(Order, { id, status: 'held' }, { status });
    return (res.affected ?? 0) === 1;
  }

  /** Returns false when the order was already refunded (a repeated refund event). */
  async markRefunded(m: EntityManager, id: number, at: Date): Promise<boolean> {
    const res = await m.update(Order, { id, refundedAt: IsNull() }, { status: 'refunded', refundedAt: at });
    return (res.affected ?? 0) === 1;
  }

  /** The grant this order created or extended (none when the purchase met a grant that was already forever). */
  async findGrantIdForOrder(m: EntityManager, orderId: number): Promise<number | null> {
    const g = await m.findOne(Grant, { where: { orderId }, order: { id: 'DESC' }, select: { id: true } });
    if (g) return g.id;
    const e = await m.findOne(GrantEvent, { where: { kind: 'extended', orderId }, order: { id: 'ASC' }, select: { grantId: true } });
    return e?.grantId ?? null;
  }

  /** Whether the client still has a paid (not refunded) order for the product besides `exceptOrderId`. */
  async hasOtherPaidOrder(m: EntityManager, clientId: number, productId: number, exceptOrderId: number): Promise<boolean> {
    return (await m.countBy(Order, { clientId, productId, status: 'paid', id: Not(exceptOrderId) })) > 0;
  }

  /**
   * Every grant of the client for the product that one of their orders for it created or extended. An extended
   * grant reports the end it had before the latest purchase extension: a refund takes back that extension and
   * no more, so what staff did before it (or between two purchases and their refunds) stays.
   */
  async purchaseEffects(m: EntityManager, clientId: number, productId: number): Promise<PurchaseEffect[]> {
    const orderIds = (await m.find(Order, { where: { clientId, productId }, select: { id: true } })).map((o) => o.id);
    if (!orderIds.length) return [];
    const grants = await m.find(Grant, { where: { clientId, productId }, order: { id: 'ASC' } });
    if (!grants.length) return [];
    const extensions = await m.find(GrantEvent, {
      where: { grantId: In(grants.map((g) => g.id)), kind: 'extended', orderId: In(orderIds) },
      order: { id: 'DESC' }, // newest first: the first one found per grant is its latest
    });
    const out: PurchaseEffect[] = [];
    for (const grant of grants) {
      const createdByPurchase = grant.orderId !== null && orderIds.includes(grant.orderId);
      const latestExtension = extensions.find((e) => e.grantId === grant.id);
      if (!createdByPurchase && !latestExtension) continue;
      out.push({ grant, createdByPurchase, ...(latestExtension ? { endsAtBeforePurchase: latestExtension.endsAtBefore } : {}) });
    }
    return out;
  }

  /** How many orders have this status (ix_orders_status): the overview's held orders waiting for review. */
  countByStatus(status: OrderStatus): Promise<number> {
    return this.db.manager.countBy(Order, { status });
  }

  async search(f: OrderFilter, page: Page): Promise<[OrderRow[], number]> {
    const qb = this.db.manager
      .createQueryBuilder(Order, 'o')
      .innerJoin(User, 'u', 'u.id = o.client_id')
      .innerJoin(Product, 'p', 'p.id = o.product_id')
      .select(['o'])
      .addSelect('u.email', 'client_email')
      .addSelect('p.slug', 'product_slug')
      .addSelect('p.title', 'product_title');
    if (f.clientId) qb.andWhere('o.client_id = :clientId', { clientId: f.clientId });
    if (f.productId) qb.andWhere('o.product_id = :productId', { productId: f.productId });
    if (f.status) qb.andWhere('o.status = :status', { status: f.status });
    if (f.email) qb.andWhere('u.email LIKE :email', { email: `%${f.email.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` });
    const total = await qb.getCount();
    const { entities, raw } = await qb.orderBy('o.paid_at', 'DESC').addOrderBy('o.id', 'DESC').offset(page.offset).limit(page.limit).getRawAndEntities();
    const rows = entities.map((order, i) => ({
      order,
      clientEmail: String(raw[i].client_email),
      productSlug: String(raw[i].product_slug),
      productTitle: String(raw[i].product_title),
    }));
    return [rows, total];
  }
}
