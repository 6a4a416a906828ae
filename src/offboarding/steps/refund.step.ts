import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error';
import { RefundsService } from '../../members/orders/refunds/refunds.service';
import type { RefundView } from '../../members/orders/refunds/refund.views';
import { isInjectedFault, OffboardingFaults } from '../offboarding-faults';
import type { StepContext, StepExecutor, StepOutcome, StepResults } from '../offboarding.contract';
import { RefundPlanner } from './refund-plan';
import { errorText, refundKey } from './step-client';

type RefundLine = StepResults['refund']['refunds'][number];

/**
 * Step 2, refunds (external: no transaction; RefundsService makes its own three phases, row committed before the
 * call, answer recorded after). One refund per order under `offboarding:<caseId>:<orderId>`; on a resume the
 * refund already asked for is looked up (refresh) before anything new is asked, so a retry never refunds twice.
 * Outcome: all succeeded → done; any pending (a manual refund the owner has to make and confirm; a provider still
 * working) → waiting; any failed → failed for the owner to decide; any unknown (5xx, timeout) → retried.
 */
@Injectable()
export class RefundStep implements Extract<StepExecutor, { kind: 'external' }> {
  readonly name = 'refund' as const;
  readonly kind = 'external' as const;
  private readonly log = new Logger('OffboardingRefund');

  constructor(
    private readonly refunds: RefundsService,
    private readonly planner: RefundPlanner,
    private readonly faults: OffboardingFaults,
  ) {}

  async run(ctx: StepContext): Promise<StepOutcome> {
    let plan;
    try {
      plan = await this.planner.plan(ctx.caseId, ctx.clientId, ctx.input);
    } catch (e) {
      return { status: 'failed', error: errorText(e), retryable: !(e instanceof AppError) };
    }
    const lines: RefundLine[] = [];
    const errors: string[] = [];
    let retry = false;
    for (const p of plan) {
      const key = refundKey(ctx.caseId, p.orderId);
      let view: RefundView | null = null;
      try {
        view = await this.refunds.refresh(key, ctx.actor);
        // refresh() asks a provider again by key; a manual refund cut off before its answer was recorded (still
        // `started`) is asked for again with the same key, which finds the row and records it this time
        if (!view || (view.adapter === 'manual' && (view.status === 'started' || view.status === 'unknown'))) {
          // the crash tests' point: the adapter has answered, nothing of it is recorded yet
          view = await this.refunds.request(p.orderId, view?.amountMinor ?? p.amountMinor, key, ctx.actor, { afterCall: () => this.faults.hit('refund:between-call-and-record') });
        }
      } catch (e) {
        if (isInjectedFault(e)) throw e;
        this.log.warn(`case ${ctx.caseId}, order ${p.orderId}: ${errorText(e)}`);
        errors.push(`order ${p.externalId}: ${errorText(e)}`);
        // a refusal of ours (more than is left, a key reused) is for the owner; anything else may pass
        if (!(e instanceof AppError)) retry = true;
        continue;
      }
      lines.push({ orderId: p.orderId, refundId: view.id, key, amountMinor: view.amountMinor, currency: view.currency, status: view.status, providerRef: view.providerRef });
      if (view.status === 'failed') errors.push(`order ${p.externalId}: ${view.lastError ?? 'refund failed'}`);
      if (view.status === 'unknown' || view.status === 'started') retry = true;
    }
    const result = { refunds: lines } satisfies StepResults['refund'];
    const externalRef = lines.length ? lines.map((l) => l.refundId).join(',').slice(0, 191) : null;
    if (retry) return { status: 'failed', error: errors.join('; ') || 'a refund outcome is not known yet', retryable: true, result };
    if (errors.length) return { status: 'failed', error: errors.join('; '), retryable: false, result };
    if (lines.some((l) => l.status === 'pending')) return { status: 'waiting', result, externalRef };
    return { status: 'done', result, externalRef };
  }
}
