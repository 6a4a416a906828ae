import { Injectable } from '@nestjs/common';
import { Page } from '../common/http/pagination';
import {
  CaseInput,
  CaseListItem,
  CasePreview,
  CaseStatus,
  CaseView,
  OffboardingActor,
  OffboardingOperations,
  ReinstateInput,
  StepName,
  StepResults,
} from './offboarding.contract';
import { OffboardingCasesRepository } from './offboarding-cases.repository';
import { OffboardingErrors } from './offboarding.errors';
import { toCaseView, toListItem } from './offboarding.views';
import { ApproveCase } from './usecases/approve-case.usecase';
import { CancelCase } from './usecases/cancel-case.usecase';
import { OpenCase } from './usecases/open-case.usecase';
import { OpenMany, OpenManyResult } from './usecases/open-many.usecase';
import { ReinstateCase } from './usecases/reinstate-case.usecase';
import { RetryStep } from './usecases/retry-step.usecase';
import { SkipStep } from './usecases/skip-step.usecase';

/**
 * What the offboarding pages and API call (OffboardingOperations): a thin facade, one use case per operation
 * (usecases/), every answer mapped to the contract's views. The runner itself is RunCase.
 */
@Injectable()
export class OffboardingService implements OffboardingOperations {
  constructor(
    private readonly cases: OffboardingCasesRepository,
    private readonly openCase: OpenCase,
    private readonly openManyCases: OpenMany,
    private readonly approveCase: ApproveCase,
    private readonly cancelCase: CancelCase,
    private readonly retryStep: RetryStep,
    private readonly skipStep: SkipStep,
    private readonly reinstateCase: ReinstateCase,
  ) {}

  preview(actor: OffboardingActor, clientId: number, input: CaseInput): Promise<CasePreview> {
    return this.openCase.preview(actor, clientId, input);
  }

  async open(actor: OffboardingActor, clientId: number, input: CaseInput): Promise<{ case: CaseView; created: boolean }> {
    const r = await this.openCase.execute({ actor, clientId, input });
    return { case: await this.get(r.caseId), created: r.created };
  }

  openMany(actor: OffboardingActor, clientIds: number[], input: Omit<CaseInput, 'refunds' | 'grantIds'>): Promise<OpenManyResult> {
    return this.openManyCases.execute(actor, clientIds, input);
  }

  async get(caseId: number): Promise<CaseView> {
    const c = await this.cases.findNamed(caseId);
    if (!c) throw OffboardingErrors.caseNotFound();
    return toCaseView(c, await this.cases.stepsOf(caseId));
  }

  async list(filter: { status?: CaseStatus; clientId?: number }, page: Page): Promise<{ items: CaseListItem[]; total: number }> {
    const [rows, total] = await this.cases.search(filter, page);
    return { items: rows.map(toListItem), total };
  }

  async forClient(clientId: number): Promise<CaseListItem[]> {
    const [rows] = await this.cases.search({ clientId }, { limit: 200, offset: 0 });
    return rows.map(toListItem);
  }

  async approve(actor: OffboardingActor, caseId: number): Promise<CaseView> {
    await this.approveCase.execute(actor, caseId);
    return this.get(caseId);
  }

  async cancel(actor: OffboardingActor, caseId: number): Promise<CaseView> {
    await this.cancelCase.execute(actor, caseId);
    return this.get(caseId);
  }

  async retry(actor: OffboardingActor, caseId: number, step?: StepName): Promise<CaseView> {
    await this.retryStep.execute(actor, caseId, step);
    return this.get(caseId);
  }

  async skip(actor: OffboardingActor, caseId: number, step: StepName): Promise<CaseView> {
    await this.skipStep.execute(actor, caseId, step);
    return this.get(caseId);
  }

  reinstateOptions(caseId: number): Promise<{ grants: StepResults['revoke']['grants']; banned: boolean; accountDisabled: boolean }> {
    return this.reinstateCase.options(caseId);
  }

  async reinstate(actor: OffboardingActor, caseId: number, input: ReinstateInput): Promise<CaseView> {
    await this.reinstateCase.execute(actor, caseId, input);
    return this.get(caseId);
  }
}
