import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { Database } from '../../database/database.service';
import { OffboardingActor, StepName, StepStatus } from '../offboarding.contract';
import { OffboardingCasesRepository } from '../offboarding-cases.repository';
import { OffboardingErrors } from '../offboarding.errors';
import { requireOwnerOrAdmin } from './approval-rule';
import { RunCase } from './run-case.usecase';

/** What a retry acts on: a failed or retrying step runs again now; a waiting one is asked again now. */
const RETRYABLE: readonly StepStatus[] = ['failed', 'retrying', 'waiting'];

/** The owner runs a failed step again (or every failed one), now, instead of waiting for its next attempt. */
@Injectable()
export class RetryStep {
  constructor(
    private readonly db: Database,
    private readonly cases: OffboardingCasesRepository,
    private readonly audit: AuditService,
    private readonly runner: RunCase,
  ) {}

  async execute(actor: OffboardingActor, caseId: number, step?: StepName): Promise<void> {
    const c = await this.cases.findById(caseId);
    if (!c) throw OffboardingErrors.caseNotFound();
    requireOwnerOrAdmin(actor.role);
    if (c.status !== 'running' && c.status !== 'attention') throw OffboardingErrors.wrongState(c.status, 'retry');
    const steps = await this.cases.stepsOf(caseId);
    let targets = steps.filter((s) => RETRYABLE.includes(s.status));
    if (step) {
      const s = steps.find((x) => x.name === step);
      if (!s) throw OffboardingErrors.stepNotFound(step);
      if (!RETRYABLE.includes(s.status)) throw OffboardingErrors.stepWrongState(step, s.status, 'retry');
      targets = [s];
    }
    if (!targets.length) throw OffboardingErrors.stepWrongState(step ?? 'all', 'none', 'retry');
    const label = actor.label.slice(0, 254);
    await this.db.transaction(async (m) => {
      for (const s of targets) {
        const patch = s.status === 'waiting' ? { status: 'waiting' as const, nextAttemptAt: null, actorLabel: label } : { status: 'pending' as const, nextAttemptAt: null, actorLabel: label };
        await this.cases.transitionStep(m, s.id, [s.status], patch);
      }
      await this.cases.transition(m, caseId, ['attention', 'running'], { status: 'running' });
      await this.audit.record(m, actor, { action: 'offboarding.retry', subjectType: 'client', subjectId: c.clientId, extra: { caseId, name: targets.map((s) => s.name).join(', ') } });
    });
    await this.runner.kick(caseId);
  }
}
