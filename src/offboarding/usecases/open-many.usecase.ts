import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/errors/app-error';
import { CaseInput, OffboardingActor } from '../offboarding.contract';
import { MAX_BULK, checkCaseInput } from '../offboarding-input';
import { OpenCase } from './open-case.usecase';
import { RunCase } from './run-case.usecase';

export type OpenManyResult = { opened: { clientId: number; caseId: number; created: boolean }[]; refused: { clientId: number; code: string }[] };

/**
 * Bulk offboarding: one case per client through the same OpenCase (so the same one-open-case rule and approval
 * rule), each with the default notice, refunds and grants. A client that cannot have one is refused with the
 * error's code; one that already has an open case gets it back (created: false). The cases that run now are run
 * after all are opened, one after another.
 */
@Injectable()
export class OpenMany {
  constructor(
    private readonly open: OpenCase,
    private readonly runner: RunCase,
  ) {}

  async execute(actor: OffboardingActor, clientIds: number[], raw: Omit<CaseInput, 'refunds' | 'grantIds'>, now = new Date()): Promise<OpenManyResult> {
    const ids = [...new Set(clientIds)];
    if (!ids.length) throw AppError.validation({ clientIds: 'offboarding.errors.no_clients' });
    if (ids.length > MAX_BULK) throw AppError.validation({ clientIds: 'offboarding.errors.too_many' });
    if (ids.some((id) => !Number.isSafeInteger(id) || id < 1)) throw AppError.validation({ clientIds: 'offboarding.errors.client' });
    // the input's own problems are the request's, not each client's
    const input = checkCaseInput({ ...raw, refunds: undefined, grantIds: undefined, notice: undefined }, now);
    const out: OpenManyResult = { opened: [], refused: [] };
    const toRun: number[] = [];
    for (const clientId of ids) {
      try {
        const r = await this.open.execute({ actor, clientId, input, run: false, now });
        out.opened.push({ clientId, caseId: r.caseId, created: r.created });
        if (r.created && r.status === 'running') toRun.push(r.caseId);
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        out.refused.push({ clientId, code: e.code });
      }
    }
    for (const id of toRun) await this.runner.kick(id);
    return out;
  }
}
