import type { Locale } from '../config/config';
import { CaseListItem, CaseView, ReinstateResult, StepView } from './offboarding.contract';
import { parseJson } from './offboarding-input';
import type { NamedCase } from './offboarding-cases.repository';
import { OffboardingStep } from './entities/offboarding-step.entity';

/** Entities never leave the workflow: these map them to the contract's views. */
export function toStepView(s: OffboardingStep): StepView {
  return {
    name: s.name,
    position: s.position,
    status: s.status,
    attempts: s.attempts,
    idempotencyKey: s.idempotencyKey,
    externalRef: s.externalRef,
    result: parseJson<Record<string, unknown>>(s.result),
    lastError: s.lastError,
    nextAttemptAt: s.nextAttemptAt,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    actorLabel: s.actorLabel,
  };
}

export function toCaseView(c: NamedCase, steps: OffboardingStep[]): CaseView {
  const reinstated = c.reinstatedAt ? parseJson<ReinstateResult>(c.reinstateResult) : null;
  return {
    id: c.id,
    status: c.status,
    client: { id: c.clientId, name: c.clientName, email: c.clientEmail },
    reason: c.reason,
    evidence: parseJson<string[]>(c.evidence) ?? [],
    runAt: c.runAt,
    createdAt: c.createdAt,
    createdBy: c.createdByLabel,
    approvedBy: c.approvedByLabel,
    approvedAt: c.approvedAt,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    canceledAt: c.canceledAt,
    noticeSent:
      c.noticeSubject !== null && c.noticeBody !== null
        ? { subject: c.noticeSubject, body: c.noticeBody, locale: (c.noticeLocale ?? 'en') as Locale, sentAt: c.noticeSentAt }
        : null,
    steps: steps.map(toStepView),
    reinstatement: c.reinstatedAt && reinstated ? { at: c.reinstatedAt, by: c.reinstatedByLabel ?? '', result: reinstated } : null,
    can: {
      approve: c.status === 'proposed',
      cancel: c.status === 'proposed' || c.status === 'scheduled',
      reinstate: c.status === 'done',
    },
  };
}

export function toListItem(c: NamedCase): CaseListItem {
  return {
    id: c.id,
    status: c.status,
    client: { id: c.clientId, name: c.clientName, email: c.clientEmail },
    runAt: c.runAt,
    createdAt: c.createdAt,
    createdBy: c.createdByLabel,
    finishedAt: c.finishedAt,
  };
}
