import { Injectable } from '@nestjs/common';
import { Locale } from '../../config/config';
import { Page } from '../../common/http/pagination';
import { ProductsRepository } from '../catalogue/products.repository';
import { Order, OrderStatus } from './entities/order.entity';
import { OrderFilter, OrdersRepository } from './orders.repository';
import { RefundsRepository } from './refunds/refunds.repository';
import { RefundLine, refundLinesByOrder } from './refunds/refund.views';

export interface OrderView {
  id: number;
  externalId: string;
  clientId: number;
  productId: number;
  productTitle: string;
  status: OrderStatus;
  amountMinor: number;
  /** "1990.00": the amount as the seller sent it. */
  amount: string;
  currency: string;
  /** "1 990,00 ₽" / "RUB 1,990.00": for people. */
  amountDisplay: string;
  paidAt: Date;
  refundedAt: Date | null;
  /** Refunds made through kabinet (members/orders/refunds), oldest first. */
  refunds: RefundLine[];
}

export interface AdminOrderView extends OrderView {
  clientEmail: string;
  productSlug: string;
}

export function formatMinor(minor: number): string {
  return `${Math.trunc(minor / 100)}.${String(minor % 100).padStart(2, '0')}`;
}

const NUMBER_LOCALE = { ru: 'ru-RU', en: 'en-GB' } as const;

export function formatMoney(minor: number, currency: string, locale: Locale): string {
  try {
    return new Intl.NumberFormat(NUMBER_LOCALE[locale], { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(minor / 100);
  } catch {
    return `${formatMinor(minor)} ${currency}`;
  }
}

function toOrderView(o: Order, productTitle: string, locale: Locale, refunds: RefundLine[] = []): OrderView {
  return {
    id: o.id,
    externalId: o.externalId,
    clientId: o.clientId,
    productId: o.productId,
    productTitle,
    status: o.status,
    amountMinor: o.amountMinor,
    amount: formatMinor(o.amountMinor),
    currency: o.currency,
    amountDisplay: formatMoney(o.amountMinor, o.currency, locale),
    paidAt: o.paidAt,
    refundedAt: o.refundedAt,
    refunds,
  };
}

@Injectable()
export class OrdersService {
  constructor(
    private readonly orders: OrdersRepository,
    private readonly products: ProductsRepository,
    private readonly refunds: RefundsRepository,
  ) {}

  /** Only the client's own orders: the query is keyed by the logged-in client. */
  async listForClient(clientId: number, locale: Locale): Promise<OrderView[]> {
    const orders = await this.orders.listForClient(clientId);
    const titles = new Map((await this.products.findByIds([...new Set(orders.map((o) => o.productId))])).map((p) => [p.id, p.title]));
    const refunds = refundLinesByOrder(await this.refunds.listForOrders(orders.map((o) => o.id)), locale);
    return orders.map((o) => toOrderView(o, titles.get(o.productId) ?? '', locale, refunds.get(o.id)));
  }

  async search(filter: { clientId?: number; email?: string; product?: string; status?: OrderStatus }, page: Page, locale: Locale = 'en'): Promise<{ items: AdminOrderView[]; total: number }> {
    const f: OrderFilter = { clientId: filter.clientId, email: filter.email?.trim() || undefined, status: filter.status };
    if (filter.product?.trim()) {
      const p = await this.products.findBySlug(filter.product);
      if (!p) return { items: [], total: 0 };
      f.productId = p.id;
    }
    const [rows, total] = await this.orders.search(f, page);
    const refunds = refundLinesByOrder(await this.refunds.listForOrders(rows.map((r) => r.order.id)), locale);
    return {
      total,
      items: rows.map(({ order, clientEmail, productSlug, productTitle }) => ({ ...toOrderView(order, productTitle, locale, refunds.get(order.id)), clientEmail, productSlug })),
    };
  }
}
