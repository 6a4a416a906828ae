import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { Database } from '../../database/database.service';
import { OffboardingActor, StepName, StepStatus } from '../offboarding.contract';
import { OffboardingCasesRepository } from '../offboarding-cases.repository';
import { OffboardingErrors } from '../offboarding.errors';
import { requireOwnerOrAdmin } from './approval-rule';
import { RunCase } from './run-case.usecase';

/** A step still to run, or one that failed, can be skipped; one in flight (running) or finished cannot. */
const SKIPPABLE: readonly StepStatus[] = ['pending', 'waiting', 'retrying', 'failed'];

/** The owner skips a step: it is recorded as skipped with who did it, and the case moves on (maybe to done). */
@Injectable()
export class SkipStep {
  constructor(
    private readonly db: Database,
    private readonly cases: OffboardingCasesRepository,
    private readonly audit: AuditService,
    private readonly runner: RunCase,
  ) {}

  async execute(actor: OffboardingActor, caseId: number, step: StepName, now = new Date()): Promise<void> {
    const c = await this.cases.findById(caseId);
    if (!c) throw OffboardingErrors.caseNotFound();
    requireOwnerOrAdmin(actor.role);
    if (!['proposed', 'scheduled', 'running', 'attention'].includes(c.status)) throw OffboardingErrors.wrongState(c.status, 'skip');
    const s = await this.cases.findStep(caseId, step);
    if (!s) throw OffboardingErrors.stepNotFound(step);
    if (!SKIPPABLE.includes(s.status)) throw OffboardingErrors.stepWrongState(step, s.status, 'skip');
    const moved = await this.db.transaction(async (m) => {
      const ok = await this.cases.transitionStep(m, s.id, SKIPPABLE, { status: 'skipped', finishedAt: now, nextAttemptAt: null, actorLabel: actor.label.slice(0, 254) });
      if (ok) await this.audit.record(m, actor, { action: 'offboarding.skip', subjectType: 'client', subjectId: c.clientId, extra: { caseId, name: step } });
      return ok;
    });
    if (!moved) throw OffboardingErrors.stepWrongState(step, (await this.cases.findStep(caseId, step))?.status ?? 'none', 'skip');
    await this.runner.settle(caseId, now);
  }
}
