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
    const errors: string[] = [];
    let retry = false;
    const keyed = plan.map((p) => ({ p, key: refundKey(ctx.caseId, p.orderId) }));
    const known = new Map((await this.refunds.findByKeys(keyed.map((k) => k.key))).map((r) => [r.key, r]));
    const views = new Map<string, RefundView>();
    const ask: typeof keyed = [];
    for (const k of keyed) {
      const r = known.get(k.key);
      if (!r || r.status === 'started' || r.status === 'unknown') ask.push(k);
      else if (r.status === 'pending' && r.adapter !== 'manual') {
        // a provider still working on it: asked again by key (a webhook may have told us already)
        try {
          views.set(k.key, (await this.refunds.refresh(k.key, ctx.actor)) ?? r);
        } catch (e) {
          if (isInjectedFault(e)) throw e;
          views.set(k.key, r);
        }
      } else views.set(k.key, r);
    }
    if (ask.length) {
      // new refunds, and ones cut off before their answer was recorded (looked up by key before anything is made);
      // the crash tests' point is between the adapters' answers and their record
      const answers = await this.refunds.requestMany(
        ask.map((k) => ({ orderId: k.p.orderId, amountMinor: known.get(k.key)?.amountMinor ?? k.p.amountMinor, key: k.key })),
        ctx.actor,
        { afterCall: () => this.faults.hit('refund:between-call-and-record') },
      );
      answers.forEach((a, n) => {
        const k = ask[n];
        if (a.ok) views.set(k.key, a.refund);
        else {
          this.log.warn(`case ${ctx.caseId}, order ${k.p.orderId}: ${errorText(a.error)}`);
          errors.push(`order ${k.p.externalId}: ${errorText(a.error)}`);
        }
      });
    }
    const lines: RefundLine[] = [];
    for (const k of keyed) {
      const view = views.get(k.key);
      if (!view) continue;
      lines.push({ orderId: k.p.orderId, refundId: view.id, key: k.key, amountMinor: view.amountMinor, currency: view.currency, status: view.status, providerRef: view.providerRef });
      if (view.status === 'failed') errors.push(`order ${k.p.externalId}: ${view.lastError ?? 'refund failed'}`);
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
