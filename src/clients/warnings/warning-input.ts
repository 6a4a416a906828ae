import { AppError } from '../../common/errors/app-error';
import { isCleanText } from '../../common/text';
import { localDateString, parseCalendarDate } from '../../common/time/zoned-time';

export const TERMS_MAX = 4000;
export const ESTIMATE_MAX = 2000;
export const INTRO_MAX = 2000;
export const MAX_REQUESTS = 30;
const DAY = 86400_000;

/** What the form and the API send, not yet judged. */
export interface WarningInput {
  terms?: unknown;
  requestTicketIds?: unknown;
  estimate?: unknown;
  intro?: unknown;
  followUpOn?: unknown;
}

/** A warning ready to be previewed or sent: every field checked; the tickets still to be checked as the client's. */
export interface WarningCommand {
  terms: string;
  requestTicketIds: number[];
  estimate: string;
  /** Empty = the default opening in the client's language. */
  intro: string;
  /** `YYYY-MM-DD` in the site zone, today or later; null = no follow-up. */
  followUpOn: string | null;
}

function text(v: unknown, field: string, max: number, required: boolean, errors: Record<string, string>): string {
  if (v === undefined || v === null) v = '';
  if (typeof v !== 'string' || !isCleanText(v)) {
    errors[field] = 'warnings.errors.text';
    return '';
  }
  const s = v.replace(/\r\n?/g, '\n').trim();
  if (required && !s) errors[field] = 'errors.required';
  else if (s.length > max) errors[field] = 'errors.too_long';
  return s;
}

function ticketIds(v: unknown, errors: Record<string, string>): number[] {
  const list = v === undefined || v === null || v === '' ? [] : Array.isArray(v) ? v : [v];
  const ids: number[] = [];
  for (const x of list) {
    const n = typeof x === 'number' ? x : typeof x === 'string' && /^\d{1,10}$/.test(x.trim()) ? Number(x.trim()) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) {
      errors.requestTicketIds = 'warnings.errors.ticket_ids';
      return [];
    }
    if (!ids.includes(n)) ids.push(n);
  }
  if (!ids.length) errors.requestTicketIds = 'warnings.errors.no_requests';
  else if (ids.length > MAX_REQUESTS) errors.requestTicketIds = 'warnings.errors.too_many_requests';
  return ids;
}

function followUp(v: unknown, zone: string, now: Date, errors: Record<string, string>): string | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') {
    errors.followUpOn = 'warnings.errors.follow_up_date';
    return null;
  }
  const s = v.trim();
  if (!s) return null;
  if (!parseCalendarDate(s)) {
    errors.followUpOn = 'warnings.errors.follow_up_date';
    return null;
  }
  // Plain string comparison: both are YYYY-MM-DD.
  if (s < localDateString(now, zone)) errors.followUpOn = 'warnings.errors.follow_up_past';
  else if (s > localDateString(new Date(now.getTime() + 366 * DAY), zone)) errors.followUpOn = 'warnings.errors.follow_up_far';
  return s;
}

/** Parses and checks every field at once; a 400 naming each bad field. */
export function parseWarning(input: WarningInput, siteZone: string, now = new Date()): WarningCommand {
  const errors: Record<string, string> = {};
  const cmd: WarningCommand = {
    terms: text(input.terms, 'terms', TERMS_MAX, true, errors),
    requestTicketIds: ticketIds(input.requestTicketIds, errors),
    estimate: text(input.estimate, 'estimate', ESTIMATE_MAX, true, errors),
    intro: text(input.intro, 'intro', INTRO_MAX, false, errors),
    followUpOn: followUp(input.followUpOn, siteZone, now, errors),
  };
  if (Object.keys(errors).length) throw AppError.validation(errors);
  return cmd;
}
