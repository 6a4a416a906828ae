import { AppError } from '../common/errors/app-error';
import type { CaseStatus } from './offboarding.contract';

/** The offboarding workflow's errors: one code each, turned into HTTP by the exception filter. */
export const OffboardingErrors = {
  caseNotFound: () => new AppError('not_found', 'offboarding.case_not_found', 'offboarding.errors.case_not_found', {}, { what: 'offboarding_case' }),
  /** An unknown id, or a user who is not a client (staff are never offboarded). */
  clientNotFound: () => new AppError('not_found', 'offboarding.client_not_found', 'offboarding.errors.client_not_found', {}, { what: 'client' }),
  alreadyOpen: (caseId: number) => new AppError('conflict', 'offboarding.already_open', 'offboarding.errors.already_open', {}, { caseId }),
  /** Approving, retrying, skipping or reinstating takes an owner or an admin. */
  ownerOrAdmin: () => new AppError('forbidden', 'offboarding.owner_or_admin', 'offboarding.errors.owner_or_admin'),
  wrongState: (status: CaseStatus, action: string) =>
    new AppError('conflict', 'offboarding.wrong_state', 'offboarding.errors.wrong_state', {}, { status, action }),
  stepNotFound: (step: string) => new AppError('unprocessable', 'offboarding.step_not_found', 'offboarding.errors.step_not_found', { step: 'offboarding.errors.step_not_found' }, { step }),
  stepWrongState: (step: string, status: string, action: string) =>
    new AppError('conflict', 'offboarding.step_wrong_state', 'offboarding.errors.step_wrong_state', {}, { step, status, action }),
};
