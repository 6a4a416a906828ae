import { AppError } from '../common/errors/app-error';
import { CaseInput, OFFBOARDING_STEPS, StepName } from './offboarding.contract';

export const MAX_REASON = 2000;
export const MAX_EVIDENCE = 20;
export const MAX_EVIDENCE_LENGTH = 500;
export const MAX_SUBJECT = 300;
export const MAX_BODY = 20_000;
export const MAX_BULK = 200;

/** The field names of the edited notice, as the API's nested body names them (notice.subject). */
const noticeField = (f: 'subject' | 'body') => `notice.${f}`;

export function isStepName(v: unknown): v is StepName {
  return typeof v === 'string' && (OFFBOARDING_STEPS as readonly string[]).includes(v);
}

/**
 * The rules of a case's input, whoever built it (the API's DTO, the pages' form): trimmed, every problem named by
 * its field as an i18n key, one AppError for all of them. Steps come back in their running order, each once.
 */
export function checkCaseInput(input: CaseInput, now: Date): CaseInput {
  const fields: Record<string, string> = {};
  const reason = (input.reason ?? '').trim();
  if (!reason) fields.reason = 'errors.required';
  else if (reason.length > MAX_REASON) fields.reason = 'offboarding.errors.too_long';
  const evidence = (input.evidence ?? []).map((e) => e.trim()).filter(Boolean);
  if (evidence.length > MAX_EVIDENCE) fields.evidence = 'offboarding.errors.too_many';
  else if (evidence.some((e) => e.length > MAX_EVIDENCE_LENGTH)) fields.evidence = 'offboarding.errors.too_long';
  const chosen = input.steps ?? [...OFFBOARDING_STEPS];
  if (!chosen.length) fields.steps = 'offboarding.errors.no_steps';
  else if (chosen.some((s) => !isStepName(s))) fields.steps = 'offboarding.errors.unknown_step';
  const steps = OFFBOARDING_STEPS.filter((s) => chosen.includes(s));
  const when = input.when ?? 'now';
  if (when !== 'now' && !(when instanceof Date && !Number.isNaN(when.getTime()))) fields.when = 'offboarding.errors.when';
  // a moment already passed means "now": the owner picked the end of a period that has just ended
  const runNow = when === 'now' || (when instanceof Date && when.getTime() <= now.getTime());
  if (input.notice) {
    const subject = (input.notice.subject ?? '').trim();
    const body = (input.notice.body ?? '').trim();
    if (!subject) fields[noticeField('subject')] = 'errors.required';
    else if (subject.length > MAX_SUBJECT || /[\r\n]/.test(subject)) fields[noticeField('subject')] = 'offboarding.errors.subject';
    if (!body) fields[noticeField('body')] = 'errors.required';
    else if (body.length > MAX_BODY) fields[noticeField('body')] = 'offboarding.errors.too_long';
  }
  const refunds = input.refunds;
  if (refunds) {
    const ids = new Set<number>();
    refunds.forEach((r, i) => {
      if (!Number.isSafeInteger(r.orderId) || r.orderId < 1 || ids.has(r.orderId)) fields[`refunds.${i}.orderId`] = 'offboarding.errors.order';
      if (!Number.isSafeInteger(r.amountMinor) || r.amountMinor < 0) fields[`refunds.${i}.amountMinor`] = 'offboarding.errors.amount';
      ids.add(r.orderId);
    });
  }
  if (input.grantIds && input.grantIds.some((g) => !Number.isSafeInteger(g) || g < 1)) fields.grantIds = 'offboarding.errors.grant';
  const banExpiresAt = input.banExpiresAt ?? null;
  if (banExpiresAt && !(banExpiresAt.getTime() > now.getTime())) fields.banExpiresAt = 'offboarding.errors.expiry_past';
  if (Object.keys(fields).length) throw AppError.validation(fields);
  return {
    reason,
    evidence,
    steps,
    when: runNow ? 'now' : when,
    ...(input.notice ? { notice: { subject: input.notice.subject.trim(), body: input.notice.body.trim() } } : {}),
    ...(refunds ? { refunds: refunds.map((r) => ({ orderId: r.orderId, amountMinor: r.amountMinor })) } : {}),
    ...(input.grantIds ? { grantIds: [...new Set(input.grantIds)] } : {}),
    banDomain: !!input.banDomain,
    banExpiresAt,
  };
}

/** The input as the case stores it (`offboarding_cases.input`): dates as ISO strings. */
export function storeInput(input: CaseInput): string {
  return JSON.stringify({
    ...input,
    when: input.when === 'now' ? 'now' : input.when.toISOString(),
    banExpiresAt: input.banExpiresAt ? input.banExpiresAt.toISOString() : null,
  });
}

export function readInput(json: string): CaseInput {
  const raw = JSON.parse(json) as Omit<CaseInput, 'when' | 'banExpiresAt'> & { when: string; banExpiresAt: string | null };
  return { ...raw, when: raw.when === 'now' ? 'now' : new Date(raw.when), banExpiresAt: raw.banExpiresAt ? new Date(raw.banExpiresAt) : null };
}

export function parseJson<T>(s: string | null): T | null {
  if (s === null || s === '') return null;
  try {
    return JSON.parse(s) as T;
  } catch {
    return null;
  }
}
