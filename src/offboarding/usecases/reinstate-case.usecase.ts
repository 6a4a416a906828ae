import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error';
import { AuditService } from '../../audit/audit.service';
import { Database } from '../../database/database.service';
import { OffboardingActor, REINSTATER, ReinstateInput, Reinstater, StepResults } from '../offboarding.contract';
import { OffboardingCasesRepository } from '../offboarding-cases.repository';
import { OffboardingErrors } from '../offboarding.errors';
import { parseJson } from '../offboarding-input';
import { OffboardingStep } from '../entities/offboarding-step.entity';
import { requireOwnerOrAdmin } from './approval-rule';

/**
 * The open window: from a finished case, the owner puts back what they pick of what the revoke step ended (the
 * reinstater does it in this transaction), and the case is recorded as reinstated in the same one. Refused while
 * a case (this or a later one) is open.
 */
@Injectable()
export class ReinstateCase {
  constructor(
    private readonly db: Database,
    private readonly cases: OffboardingCasesRepository,
    private readonly audit: AuditService,
    @Inject(REINSTATER) private readonly reinstater: Reinstater,
  ) {}

  async options(caseId: number): Promise<{ grants: StepResults['revoke']['grants']; banned: boolean; accountDisabled: boolean }> {
    const c = await this.cases.findById(caseId);
    if (!c) throw OffboardingErrors.caseNotFound();
    const { revoke, ban } = results(await this.cases.stepsOf(caseId));
    return { grants: revoke?.grants ?? [], banned: !!ban?.banId, accountDisabled: !!revoke?.accountDisabled };
  }

  async execute(actor: OffboardingActor, caseId: number, input: ReinstateInput, now = new Date()): Promise<void> {
    const c = await this.cases.findById(caseId);
    if (!c) throw OffboardingErrors.caseNotFound();
    requireOwnerOrAdmin(actor.role);
    if (c.status !== 'done') throw OffboardingErrors.wrongState(c.status, 'reinstate');
    const open = await this.cases.findOpenForClient(c.clientId);
    if (open) throw OffboardingErrors.alreadyOpen(open.id);
    const { revoke, ban } = results(await this.cases.stepsOf(caseId));
    const known = new Set((revoke?.grants ?? []).map((g) => g.grantId));
    const grantIds = [...new Set(input.grantIds ?? [])];
    if (grantIds.some((id) => !known.has(id))) throw AppError.validation({ grantIds: 'offboarding.errors.grant_not_ended' });
    const clean: ReinstateInput = { grantIds, liftBan: !!input.liftBan, reopenAccount: !!input.reopenAccount, sendWelcomeBack: !!input.sendWelcomeBack };
    await this.db.transaction(async (m) => {
      const result = await this.reinstater.reinstate(m, actor, { caseId, clientId: c.clientId, revoke, ban }, clean);
      const ok = await this.cases.transition(m, caseId, ['done'], {
        status: 'reinstated',
        reinstatedAt: now,
        reinstatedByLabel: actor.label.slice(0, 254),
        reinstateResult: JSON.stringify(result),
      });
      if (!ok) throw OffboardingErrors.wrongState('reinstated', 'reinstate');
      await this.audit.record(m, actor, {
        action: 'offboarding.reinstate',
        subjectType: 'client',
        subjectId: c.clientId,
        extra: { caseId, grants: result.grantsRestored.length, banLifted: result.banLifted, accountReopened: result.accountReopened },
      });
    });
  }
}

function results(steps: OffboardingStep[]): { revoke: StepResults['revoke'] | null; ban: StepResults['ban'] | null } {
  const of = <K extends 'revoke' | 'ban'>(name: K) => {
    const s = steps.find((x) => x.name === name && x.status === 'done');
    return s ? parseJson<StepResults[K]>(s.result) : null;
  };
  return { revoke: of('revoke'), ban: of('ban') };
}
