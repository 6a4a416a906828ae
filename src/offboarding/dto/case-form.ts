import { AppError } from '../../common/errors/app-error';
import { parseLocalDateTime, parseUntil, startOfLocalDay } from '../../common/time/zoned-time';
import { CaseInput, OFFBOARDING_STEPS, ReinstateInput, StepName } from '../offboarding.contract';
import { MAX_BODY, MAX_BULK, MAX_EVIDENCE, MAX_EVIDENCE_LENGTH, MAX_REASON, MAX_SUBJECT } from '../offboarding-input';

/**
 * The offboarding forms' bodies, read once into the contract's input. Every field is one string (InputPipe
 * refuses a field sent twice), so groups are one checkbox per item: `step_<name>`, `ticket_<id>` (a ticket offered
 * as evidence), `grant_<id>` and `refund_<orderId>` (an amount in the order's currency, "1500" or "1 500,50").
 * The preview page carries what it does not edit (the reason, the steps, when…) in hidden fields of the same names,
 * and says which groups it showed (`refundsShown`, `grantsShown`), so "none ticked" is not read as "the default".
 */
export type Form = Record<string, string | undefined>;

const checked = (v: string | undefined) => v === 'on' || v === '1' || v === 'true';

/** The fields of the first form, carried through the preview unchanged; the preview page edits the others. */
const CARRIED = /^(reason|evidence|when|runAt|banDomain|banExpiresAt|step_[a-z]+|ticket_\d{1,9})$/;

export function carriedFields(body: Form): { name: string; value: string }[] {
  return Object.entries(body)
    .filter((e): e is [string, string] => CARRIED.test(e[0]) && typeof e[1] === 'string')
    .map(([name, value]) => ({ name, value }));
}

/** A field error of the first form (reason, evidence, steps, when): shown on that form, not on the preview. */
export function isFirstFormError(e: unknown): boolean {
  return e instanceof AppError && Object.keys(e.fields).some((f) => /^(reason|evidence|steps|when|runAt|banExpiresAt)/.test(f));
}

/** The defaults of a fresh form: every step on, now. */
export function freshValues(): Form {
  return { ...Object.fromEntries(OFFBOARDING_STEPS.map((s) => [`step_${s}`, 'on'])), when: 'now' };
}

function readSteps(body: Form, fields: Record<string, string>): StepName[] {
  const steps = OFFBOARDING_STEPS.filter((s) => checked(body[`step_${s}`]));
  if (!steps.length) fields.steps = 'offboarding_pages.errors.no_steps';
  return steps;
}

function readWhen(body: Form, zone: string, fields: Record<string, string>): 'now' | Date {
  if ((body.when ?? 'now') === 'now') return 'now';
  const s = (body.runAt ?? '').trim();
  let at: Date | null = null;
  if (body.when === 'date' && s) {
    if (/^\d{4}-\d{2}-\d{2}$/.test(s)) at = startOfLocalDay(s, zone);
    else {
      const r = parseLocalDateTime(s, zone);
      at = r.ok ? r.at : null;
    }
  }
  if (!at) {
    fields.runAt = s ? 'offboarding_pages.errors.run_at_invalid' : 'offboarding_pages.errors.run_at_required';
    return 'now';
  }
  if (at.getTime() <= Date.now()) fields.runAt = 'offboarding_pages.errors.run_at_past';
  return at;
}

function readEvidence(body: Form, fields: Record<string, string>): string[] {
  const lines = (body.evidence ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const tickets = Object.entries(body)
    .filter(([k, v]) => /^ticket_\d{1,9}$/.test(k) && checked(v))
    .map(([k]) => `/admin/tickets/${k.slice('ticket_'.length)}`);
  const all = [...new Set([...tickets, ...lines])];
  if (all.length > MAX_EVIDENCE) fields.evidence = 'offboarding_pages.errors.evidence_too_many';
  if (all.some((l) => l.length > MAX_EVIDENCE_LENGTH)) fields.evidence = 'offboarding_pages.errors.evidence_too_long';
  return all;
}

function readBanExpiry(body: Form, zone: string, fields: Record<string, string>): Date | null {
  const s = (body.banExpiresAt ?? '').trim();
  if (!s) return null;
  const r = parseUntil(s, zone);
  if (!r.ok) {
    fields.banExpiresAt = 'offboarding_pages.errors.ban_expiry_invalid';
    return null;
  }
  if (r.at.getTime() <= Date.now()) fields.banExpiresAt = 'offboarding_pages.errors.ban_expiry_past';
  return r.at;
}

/** "1500", "1 500,50", "1500.5" → minor units (two decimals); null when it is not an amount. */
export function parseAmountMinor(raw: string): number | null {
  const s = raw.replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (!/^\d{1,9}(\.\d{1,2})?$/.test(s)) return null;
  const [whole, frac = ''] = s.split('.');
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

/** The first form and what the preview adds: the edited notice, the refund amounts and the grants. */
export function caseInputFromForm(body: Form, zone: string): CaseInput {
  const fields: Record<string, string> = {};
  const input: CaseInput = {
    reason: (body.reason ?? '').trim(),
    evidence: readEvidence(body, fields),
    steps: readSteps(body, fields),
    when: readWhen(body, zone, fields),
    banDomain: checked(body.banDomain),
    banExpiresAt: readBanExpiry(body, zone, fields),
  };
  if (!input.reason) fields.reason = 'offboarding_pages.errors.reason_required';
  else if (input.reason.length > MAX_REASON) fields.reason = 'offboarding_pages.errors.reason_too_long';

  if (body.noticeSubject !== undefined || body.noticeBody !== undefined) {
    const subject = (body.noticeSubject ?? '').trim();
    const text = (body.noticeBody ?? '').replace(/\r\n?/g, '\n');
    if (!subject) fields.noticeSubject = 'offboarding_pages.errors.notice_subject_required';
    else if (subject.length > MAX_SUBJECT || /[\r\n]/.test(subject)) fields.noticeSubject = 'offboarding_pages.errors.notice_subject_too_long';
    if (!text.trim()) fields.noticeBody = 'offboarding_pages.errors.notice_body_required';
    else if (text.length > MAX_BODY) fields.noticeBody = 'offboarding_pages.errors.notice_body_too_long';
    input.notice = { subject, body: text };
  }
  if (checked(body.refundsShown)) {
    input.refunds = [];
    for (const [k, v] of Object.entries(body)) {
      const m = /^refund_(\d{1,9})$/.exec(k);
      if (!m || v === undefined) continue;
      const amountMinor = parseAmountMinor(v.trim() || '0');
      if (amountMinor === null) fields[k] = 'offboarding_pages.errors.amount_invalid';
      // 0 (or empty) is "refund nothing on this order": left out of the refunds, which then name only the others
      else if (amountMinor > 0) input.refunds.push({ orderId: Number(m[1]), amountMinor });
    }
  }
  if (checked(body.grantsShown)) {
    input.grantIds = Object.entries(body)
      .filter(([k, v]) => /^grant_\d{1,9}$/.test(k) && checked(v))
      .map(([k]) => Number(k.slice('grant_'.length)));
  }
  if (Object.keys(fields).length) throw AppError.validation(fields);
  return input;
}

/** The bulk form: the clients ticked on the clients list (`client_<id>`), and the case without per-order choices. */
export function clientIdsFromForm(body: Form): number[] {
  const ids = Object.entries(body)
    .filter(([k, v]) => /^client_\d{1,9}$/.test(k) && checked(v))
    .map(([k]) => Number(k.slice('client_'.length)));
  if (!ids.length) throw new AppError('bad_request', 'offboarding.no_clients', 'offboarding_pages.errors.no_clients');
  if (ids.length > MAX_BULK) throw new AppError('bad_request', 'offboarding.too_many_clients', 'offboarding_pages.errors.too_many_clients');
  return ids;
}

export function bulkInputFromForm(body: Form, zone: string): Omit<CaseInput, 'refunds' | 'grantIds'> {
  const { notice: _n, refunds: _r, grantIds: _g, ...rest } = caseInputFromForm({ ...body, noticeSubject: undefined, noticeBody: undefined, refundsShown: undefined, grantsShown: undefined }, zone);
  return rest;
}

/** Reinstatement: the grants ticked (`grant_<id>`, ids of the revoked grants) and the three choices. */
export function reinstateInputFromForm(body: Form): ReinstateInput {
  return {
    grantIds: Object.entries(body)
      .filter(([k, v]) => /^grant_\d{1,9}$/.test(k) && checked(v))
      .map(([k]) => Number(k.slice('grant_'.length))),
    liftBan: checked(body.liftBan),
    reopenAccount: checked(body.reopenAccount),
    sendWelcomeBack: checked(body.sendWelcomeBack),
  };
}

export function parseStep(v: string | undefined): StepName {
  if (v && (OFFBOARDING_STEPS as readonly string[]).includes(v)) return v as StepName;
  throw AppError.validation({ step: 'offboarding_pages.errors.step_unknown' });
}

/**
 * The workflow names its fields as the contract does (the notice's subject and body, `refunds[2].amountMinor`, `when`); the
 * form's are `noticeSubject`, `refund_<orderId>`, `runAt`. Anything else passes as it is.
 */
export function onFormFields(e: unknown, input: CaseInput | null): unknown {
  if (!(e instanceof AppError) || !Object.keys(e.fields).length) return e;
  const fields: Record<string, string> = {};
  for (const [k, v] of Object.entries(e.fields)) {
    const m = /^refunds(?:\[(\d+)\]|\.(\d+))\.(?:amountMinor|orderId)$/.exec(k);
    const refund = m ? input?.refunds?.[Number(m[1] ?? m[2])] : undefined;
    const notice = /^notice\.(subject|body)$/.exec(k);
    const name = refund ? `refund_${refund.orderId}` : notice ? `notice${notice[1][0].toUpperCase()}${notice[1].slice(1)}` : k === 'when' ? 'runAt' : k;
    fields[name] = v;
  }
  return new AppError(e.kind, e.code, e.message, fields, e.details);
}
