import { RefundAdapter, RefundOutcome, RefundRequest } from '../refund-adapter';

/**
 * No payment system to call: the refund is recorded as pending, the owner makes it in their own payment system
 * (the page and the audit log say what to refund), then confirms it here with the payment system's reference
 * (→ succeeded) or marks it failed (`RefundsService.confirmManual()` / `failManual()`).
 */
export class ManualRefundAdapter implements RefundAdapter {
  readonly name = 'manual' as const;

  async refund(_req: RefundRequest): Promise<RefundOutcome> {
    return { status: 'pending' };
  }

  /** The row is the only record there is; nothing outside can have made this refund. */
  async lookup(): Promise<RefundOutcome | null> {
    return null;
  }
}
