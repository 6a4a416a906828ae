import { RefundAdapterName, RefundStatus } from './entities/refund.entity';

/** What the adapter is asked to refund. Amounts are minor units; `key` is the idempotency key sent to the provider. */
export interface RefundRequest {
  /** What the provider refunds against: YooKassa's payment id, Stripe's `pi_…`/`ch_…`, the seller's order id. */
  orderRef: string;
  amountMinor: number;
  currency: string;
  key: string;
}

export type RefundOutcomeStatus = 'pending' | 'succeeded' | 'failed' | 'unknown';

/**
 * The provider's answer. `unknown` means the outcome is not known (5xx, timeout, connection lost, 429): the call
 * must be repeated with the same key, after a `lookup`. `failed` is final: the provider refused.
 */
export interface RefundOutcome {
  status: RefundOutcomeStatus;
  providerRef?: string;
  error?: string;
}

export interface RefundAdapter {
  readonly name: RefundAdapterName;
  /** Creates the refund, or answers the existing one when the provider already has this key. Never throws. */
  refund(req: RefundRequest): Promise<RefundOutcome>;
  /**
   * The refund this key made, or null when the provider has none. `req` carries what a provider needs to search
   * (the payment it was made against; the refund id when one was recorded). A provider that cannot be asked
   * answers `{ status: 'unknown' }`, and then nothing is created.
   */
  lookup(key: string, req: RefundRequest & { providerRef: string | null }): Promise<RefundOutcome | null>;
}

/** started < unknown < pending < final: a row only moves up, and a final status never moves again. */
const RANK: Record<RefundStatus, number> = { started: 0, unknown: 1, pending: 2, succeeded: 3, failed: 3 };

export const isFinalRefund = (s: RefundStatus): boolean => RANK[s] === 3;

/**
 * The status after an answer or a webhook: duplicates and late (out-of-order) events change nothing, an error
 * while asking about a pending refund leaves it pending, and succeeded/failed stay for good.
 */
export function nextRefundStatus(current: RefundStatus, incoming: RefundOutcomeStatus): RefundStatus {
  if (isFinalRefund(current)) return current;
  return RANK[incoming] > RANK[current] ? incoming : current;
}
