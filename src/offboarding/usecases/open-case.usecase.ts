import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import { Database, isUniqueViolation } from '../../database/database.service';
import { SettingsService } from '../../settings/settings.service';
import { UsersRepository } from '../../users/users.repository';
import { CASE_PLANNER, CaseInput, CasePlanner, CasePreview, CaseStatus, OFFBOARDING_STEPS, OffboardingActor } from '../offboarding.contract';
import { OffboardingCasesRepository } from '../offboarding-cases.repository';
import { OffboardingErrors } from '../offboarding.errors';
import { checkCaseInput, storeInput } from '../offboarding-input';
import { OffboardingStep } from '../entities/offboarding-step.entity';
import { approvalFor, isOwnerOrAdmin } from './approval-rule';
import { RunCase } from './run-case.usecase';

export interface OpenCaseCommand {
  actor: OffboardingActor;
  clientId: number;
  input: CaseInput;
  /** Run a `now` case right after the commit (default); bulk opens them all first and runs them after. */
  run?: boolean;
  now?: Date;
}

export const stepKey = (caseId: number, step: string) => `offboarding:${caseId}:${step}`;

/**
 * Opening a case, and its dry run. The dry run asks the planner (which changes nothing) and adds the approval
 * rule's answer. Opening writes the case and one row per step (the ones not chosen as skipped) in one transaction;
 * the client's open-case slot (`active_client_id`, unique) makes a double click or a second worker find the first
 * case instead of making another. A case that runs now runs right after the commit, before open() answers.
 */
@Injectable()
export class OpenCase {
  constructor(
    private readonly db: Database,
    private readonly cases: OffboardingCasesRepository,
    private readonly users: UsersRepository,
    private readonly settings: SettingsService,
    private readonly audit: AuditService,
    private readonly runner: RunCase,
    @Inject(CASE_PLANNER) private readonly planner: CasePlanner,
  ) {}

  async preview(actor: OffboardingActor, clientId: number, raw: CaseInput, now = new Date()): Promise<CasePreview> {
    const input = checkCaseInput(raw, now);
    await this.requireClient(clientId);
    const plan = await this.planner.plan(clientId, input, now);
    const { offboardingStaffRefundLimit } = await this.settings.current();
    return { ...plan, approval: approvalFor(actor.role, plan.refundTotalMinor, offboardingStaffRefundLimit) };
  }

  async execute(cmd: OpenCaseCommand): Promise<{ caseId: number; created: boolean; status: CaseStatus }> {
    const now = cmd.now ?? new Date();
    const input = checkCaseInput(cmd.input, now);
    await this.requireClient(cmd.clientId);
    const open = await this.cases.findOpenForClient(cmd.clientId);
    if (open) return { caseId: open.id, created: false, status: open.status };

    // Staff need the refund total for the rule; an owner's or admin's case runs whatever it refunds.
    let approval: CasePreview['approval'] = { required: false, why: null };
    if (!isOwnerOrAdmin(cmd.actor.role)) {
      const { offboardingStaffRefundLimit } = await this.settings.current();
      const total = /^\d+$/.test(offboardingStaffRefundLimit) ? (await this.planner.plan(cmd.clientId, input, now)).refundTotalMinor : null;
      approval = approvalFor(cmd.actor.role, total, offboardingStaffRefundLimit);
    }
    const runAt = input.when === 'now' ? now : input.when;
    const status: CaseStatus = approval.required ? 'proposed' : input.when === 'now' ? 'running' : 'scheduled';

    let caseId: number;
    try {
      caseId = await this.db.transaction(async (m) => {
        const c = await this.cases.insertCase(m, {
          clientId: cmd.clientId,
          status,
          reason: input.reason,
          evidence: JSON.stringify(input.evidence),
          input: storeInput(input),
          runAt,
          createdAt: now,
          createdBy: cmd.actor.userId,
          createdByLabel: cmd.actor.label.slice(0, 254),
          createdByRole: cmd.actor.role,
          approvedBy: null,
          approvedByLabel: null,
          approvedAt: null,
          startedAt: status === 'running' ? now : null,
          finishedAt: null,
          canceledAt: null,
          canceledByLabel: null,
          reinstatedAt: null,
          reinstatedByLabel: null,
          reinstateResult: null,
          noticeSubject: null,
          noticeBody: null,
          noticeLocale: null,
          noticeSentAt: null,
          activeClientId: cmd.clientId,
          lockedUntil: null,
          runnerToken: null,
          updatedAt: now,
        });
        await this.cases.insertSteps(
          m,
          OFFBOARDING_STEPS.map((name, i): Omit<OffboardingStep, 'id'> => {
            const chosen = input.steps.includes(name);
            return {
              caseId: c.id,
              name,
              position: i + 1,
              status: chosen ? 'pending' : 'skipped',
              attempts: 0,
              idempotencyKey: stepKey(c.id, name),
              externalRef: null,
              result: null,
              lastError: null,
              nextAttemptAt: null,
              startedAt: null,
              finishedAt: chosen ? null : now,
              actorLabel: chosen ? null : cmd.actor.label.slice(0, 254),
              updatedAt: now,
            };
          }),
        );
        await this.audit.record(m, cmd.actor, {
          action: status === 'proposed' ? 'offboarding.propose' : 'offboarding.open',
          subjectType: 'client',
          subjectId: cmd.clientId,
          extra: { caseId: c.id, status, steps: input.steps.join(', '), runAt: status === 'scheduled' ? runAt : undefined, approval: approval.why ?? undefined },
        });
        return c.id;
      });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // Another worker (or the first click) opened one meanwhile: that is the case.
      const first = await this.cases.findOpenForClient(cmd.clientId);
      if (!first) throw e;
      return { caseId: first.id, created: false, status: first.status };
    }
    if (status === 'running' && cmd.run !== false) await this.runner.kick(caseId);
    return { caseId, created: true, status };
  }

  /** Only clients are offboarded: anyone else (staff, an unknown id) is not found. */
  private async requireClient(clientId: number): Promise<void> {
    const u = await this.users.findById(clientId);
    if (!u || u.role !== 'client') throw OffboardingErrors.clientNotFound();
  }
}
