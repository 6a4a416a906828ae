import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { Database } from '../../database/database.service';
import { OffboardingActor } from '../offboarding.contract';
import { OffboardingCasesRepository } from '../offboarding-cases.repository';
import { OffboardingErrors } from '../offboarding.errors';
import { OffboardingCase } from '../entities/offboarding-case.entity';
import { isOwnerOrAdmin } from './approval-rule';

/**
 * A case is canceled before it starts (proposed, or scheduled for a later date): its steps are recorded as skipped
 * and the client's open-case slot is freed. A staff member cancels only a case they opened.
 */
@Injectable()
export class CancelCase {
  constructor(
    private readonly db: Database,
    private readonly cases: OffboardingCasesRepository,
    private readonly audit: AuditService,
  ) {}

  async execute(actor: OffboardingActor, caseId: number, now = new Date()): Promise<void> {
    const c = await this.cases.findById(caseId);
    if (!c) throw OffboardingErrors.caseNotFound();
    if (!isOwnerOrAdmin(actor.role) && !(actor.userId !== null && c.createdBy === actor.userId)) throw OffboardingErrors.ownerOrAdmin();
    if (c.status !== 'proposed' && c.status !== 'scheduled') throw OffboardingErrors.wrongState(c.status, 'cancel');
    const moved = await this.db.transaction(async (m) => {
      const ok = await this.cases.transition(m, caseId, ['proposed', 'scheduled'], {
        status: 'canceled',
        canceledAt: now,
        canceledByLabel: actor.label.slice(0, 254),
        activeClientId: null,
      });
      if (!ok) return false;
      for (const s of await this.cases.stepsOf(caseId, m)) {
        if (s.status === 'pending') await this.cases.updateStep(m, s.id, { status: 'skipped', finishedAt: now, actorLabel: actor.label.slice(0, 254) });
      }
      await this.audit.record(m, actor, { action: 'offboarding.cancel', subjectType: 'client', subjectId: c.clientId, extra: { caseId } });
      return true;
    });
    if (!moved) throw OffboardingErrors.wrongState(((await this.cases.findById(caseId)) as OffboardingCase).status, 'cancel');
  }
}
