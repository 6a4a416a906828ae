import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppError } from '../../common/errors/app-error';
import { RefundAdapters } from '../../members/orders/refunds/refund-adapters';
import { RefundsRepository } from '../../members/orders/refunds/refunds.repository';
import type { CaseInput, CasePreview } from '../offboarding.contract';
import { refundKey } from './step-client';

export type PlannedRefund = CasePreview['refunds'][number];

/**
 * What a case refunds, order by order: the chosen refunds (checked against the client's orders: the client's own,
 * paid, never more than paid less refunded), or, when none were chosen, every paid order with what is left of it.
 * A refund this case already asked for (by its key) stays in the plan with its own amount, so a resume finds the
 * same refunds however the "left to refund" has moved since.
 */
@Injectable()
export class RefundPlanner {
  constructor(
    private readonly refunds: RefundsRepository,
    private readonly adapters: RefundAdapters,
  ) {}

  async plan(caseId: number | null, clientId: number, input: Pick<CaseInput, 'refunds'>, m?: EntityManager): Promise<PlannedRefund[]> {
    const orders = await this.refunds.ordersWithRefundedOfClient(clientId, m);
    const own = new Map<number, number>();
    const ownCounted = new Map<number, number>();
    if (caseId !== null) {
      for (const r of await this.refunds.findByKeys(orders.map((o) => refundKey(caseId, o.id)), m)) {
        own.set(r.orderId, r.amountMinor);
        if (r.status !== 'failed') ownCounted.set(r.orderId, r.amountMinor);
      }
    }
    const byId = new Map(orders.map((o) => [o.id, o]));
    const line = (o: (typeof orders)[number], amountMinor: number): PlannedRefund => {
      // the case's own refund counts in "refunded" already; show the order as it was before this case
      const mine = ownCounted.get(o.id) ?? 0;
      return {
        orderId: o.id,
        externalId: o.externalId,
        productTitle: o.productTitle,
        paidMinor: o.amountMinor,
        refundedMinor: o.refundedMinor - mine,
        amountMinor,
        currency: o.currency,
        adapter: this.adapters.choose(o).adapter,
      };
    };

    if (!input.refunds) {
      return orders
        .filter((o) => own.has(o.id) || (o.status === 'paid' && o.amountMinor - o.refundedMinor > 0))
        .map((o) => line(o, own.get(o.id) ?? o.amountMinor - o.refundedMinor));
    }

    const fields: Record<string, string> = {};
    const left: Record<string, number> = {};
    const seen = new Set<number>();
    const out: PlannedRefund[] = [];
    input.refunds.forEach((r, i) => {
      const o = byId.get(r.orderId);
      if (!o || seen.has(r.orderId)) {
        fields[`refunds[${i}].orderId`] = 'offboarding_steps.errors.order_not_clients';
        return;
      }
      seen.add(r.orderId);
      if (!Number.isSafeInteger(r.amountMinor) || r.amountMinor <= 0) {
        fields[`refunds[${i}].amountMinor`] = 'offboarding_steps.errors.refund_amount';
        return;
      }
      if (own.has(o.id)) {
        out.push(line(o, own.get(o.id)!));
        return;
      }
      if (o.status !== 'paid') {
        fields[`refunds[${i}].orderId`] = 'offboarding_steps.errors.order_not_paid';
        return;
      }
      const rest = Math.max(o.amountMinor - o.refundedMinor, 0);
      if (r.amountMinor > rest) {
        fields[`refunds[${i}].amountMinor`] = 'offboarding_steps.errors.refund_too_much';
        left[`refunds[${i}].amountMinor`] = rest;
        return;
      }
      out.push(line(o, r.amountMinor));
    });
    if (Object.keys(fields).length) throw new AppError('validation', 'offboarding.invalid_refunds', 'errors.validation', fields, { leftMinor: left });
    return out;
  }
}
