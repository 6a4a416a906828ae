import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { Database } from '../../database/database.service';
import { OffboardingActor } from '../offboarding.contract';
import { OffboardingCasesRepository } from '../offboarding-cases.repository';
import { OffboardingErrors } from '../offboarding.errors';
import { requireOwnerOrAdmin } from './approval-rule';
import { RunCase } from './run-case.usecase';

/** An owner or admin approves a proposed case: it runs now (its date has come) or waits as scheduled. */
@Injectable()
export class ApproveCase {
  constructor(
    private readonly db: Database,
    private readonly cases: OffboardingCasesRepository,
    private readonly audit: AuditService,
    private readonly runner: RunCase,
  ) {}

  async execute(actor: OffboardingActor, caseId: number, now = new Date()): Promise<void> {
    const c = await this.cases.findById(caseId);
    if (!c) throw OffboardingErrors.caseNotFound();
    requireOwnerOrAdmin(actor.role);
    if (c.status !== 'proposed') throw OffboardingErrors.wrongState(c.status, 'approve');
    const runsNow = c.runAt.getTime() <= now.getTime();
    const moved = await this.db.transaction(async (m) => {
      const patch = { approvedBy: actor.userId, approvedByLabel: actor.label.slice(0, 254), approvedAt: now };
      const ok = await this.cases.transition(m, caseId, ['proposed'], runsNow ? { ...patch, status: 'running', startedAt: now } : { ...patch, status: 'scheduled' });
      if (ok) await this.audit.record(m, actor, { action: 'offboarding.approve', subjectType: 'client', subjectId: c.clientId, extra: { caseId } });
      return ok;
    });
    if (!moved) {
      const again = await this.cases.findById(caseId);
      throw OffboardingErrors.wrongState(again?.status ?? c.status, 'approve');
    }
    if (runsNow) await this.runner.kick(caseId);
  }
}
