import { Injectable } from '@nestjs/common';
import { EntityManager, IsNull } from 'typeorm';
import { Page } from '../common/http/pagination';
import { Database } from '../database/database.service';
import { Grant } from '../members/entities/grant.entity';
import { Product } from '../members/entities/product.entity';
import { User } from '../users/entities/user.entity';
import { Order } from './entities/order.entity';

export interface OrderFilter {
  clientId?: number;
  /** Substring of the client's email. */
  email?: string;
  productId?: number;
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

  insert(m: EntityManager, data: Omit<Order, 'id' | 'createdAt' | 'refundedAt' | 'status'>): Promise<Order> {
    return m.save(Order, m.create(Order, { ...data, status: 'paid', refundedAt: null, createdAt: new Date() }));
  }

  /** Returns false when the order was already refunded (a repeated refund event). */
  async markRefunded(m: EntityManager, id: number, at: Date): Promise<boolean> {
    const res = await m.update(Order, { id, refundedAt: IsNull() }, { status: 'refunded', refundedAt: at });
    return (res.affected ?? 0) === 1;
  }

  /** The grant this order created (none when the purchase only topped up a grant that was already forever). */
  async findGrantIdForOrder(m: EntityManager, orderId: number): Promise<number | null> {
    const g = await m.findOne(Grant, { where: { orderId }, order: { id: 'DESC' }, select: { id: true } });
    return g?.id ?? null;
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
