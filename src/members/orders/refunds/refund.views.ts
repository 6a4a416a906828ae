import { Locale } from '../../../config/config';
import { formatMinor, formatMoney } from '../orders.service';
import { Refund, RefundAdapterName, RefundStatus } from './entities/refund.entity';

/** A refund as services answer it: no entity leaves the feature. */
export interface RefundView {
  id: number;
  orderId: number;
  key: string;
  adapter: RefundAdapterName;
  amountMinor: number;
  /** "500.00" */
  amount: string;
  currency: string;
  status: RefundStatus;
  providerRef: string | null;
  attempts: number;
  lastError: string | null;
  requestedAt: Date;
  finishedAt: Date | null;
  /** The owner has to act: a manual refund waiting to be made and confirmed in their payment system. */
  awaitsOwner: boolean;
}

export function toRefundView(r: Refund): RefundView {
  return {
    id: r.id,
    orderId: r.orderId,
    key: r.idempotencyKey,
    adapter: r.adapter,
    amountMinor: r.amountMinor,
    amount: formatMinor(r.amountMinor),
    currency: r.currency,
    status: r.status,
    providerRef: r.providerRef,
    attempts: r.attempts,
    lastError: r.lastError,
    requestedAt: r.requestedAt,
    finishedAt: r.finishedAt,
    awaitsOwner: r.adapter === 'manual' && r.status === 'pending',
  };
}

/** What the order lists show of a refund: amount, status, date. */
export interface RefundLine {
  id: number;
  /** "500.00 RUB", as the admin pages print amounts. */
  amount: string;
  amountDisplay: string;
  status: RefundStatus;
  requestedAt: Date;
  finishedAt: Date | null;
  /** A manual refund the owner still has to make in their payment system and confirm. */
  awaitsOwner: boolean;
}

export function toRefundLine(r: Refund, locale: Locale): RefundLine {
  return { id: r.id, amount: `${formatMinor(r.amountMinor)} ${r.currency}`, amountDisplay: formatMoney(r.amountMinor, r.currency, locale), status: r.status, requestedAt: r.requestedAt, finishedAt: r.finishedAt, awaitsOwner: r.adapter === 'manual' && r.status === 'pending' };
}

/** Refund lines per order id. */
export function refundLinesByOrder(refunds: Refund[], locale: Locale): Map<number, RefundLine[]> {
  const out = new Map<number, RefundLine[]>();
  for (const r of refunds) {
    const list = out.get(r.orderId) ?? [];
    list.push(toRefundLine(r, locale));
    out.set(r.orderId, list);
  }
  return out;
}
