import { AppError } from '../../common/errors/app-error';
import { isEmail } from '../../common/email';
import { isOneLine } from '../../common/text';
import { BodyFormat } from './entities/campaign.entity';
import { parseUntil } from '../../common/time/zoned-time';

export const SUBJECT_MAX = 300;
export const PREHEADER_MAX = 300;
/** A mail body past this is a mistake (a pasted file), not a newsletter. */
export const BODY_MAX = 200_000;
const AUDIENCE_MAX = 200;

/** What a draft is made of, checked for shape; whether the lists and products exist is the service's question. */
export interface DraftInput {
  subject: string;
  preheader: string;
  bodyFormat: BodyFormat;
  body: string;
  listIds: number[];
  productIds: number[];
}

/** Raw fields as they come from a form (strings, repeated checkboxes) or JSON (arrays of numbers). */
export interface RawDraft {
  subject?: unknown;
  preheader?: unknown;
  bodyFormat?: unknown;
  body?: unknown;
  lists?: unknown;
  products?: unknown;
}

function ids(v: unknown, field: string, fields: Record<string, string>): number[] {
  if (v === undefined || v === null || v === '') return [];
  const arr = Array.isArray(v) ? v : [v];
  const out = new Set<number>();
  for (const x of arr) {
    const s = typeof x === 'number' ? String(x) : typeof x === 'string' ? x.trim() : '';
    if (!/^\d{1,10}$/.test(s) || Number(s) < 1 || Number(s) > 2147483647) {
      fields[field] = 'mailing.campaigns.errors.ids_invalid';
      return [];
    }
    out.add(Number(s));
  }
  if (out.size > AUDIENCE_MAX) fields[field] = 'mailing.campaigns.errors.too_many';
  return [...out].sort((a, b) => a - b);
}

/**
 * Checks every field at once, so a form or an API caller hears about all bad fields in one answer; returns the
 * problems rather than throwing, so the caller can add those only the database can tell (unknown list).
 */
export function readDraft(raw: RawDraft): { input: DraftInput; fields: Record<string, string> } {
  const fields: Record<string, string> = {};
  const str = (v: unknown, name: string): string => {
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') {
      fields[name] = 'mailing.campaigns.errors.not_text';
      return '';
    }
    return v;
  };
  const subject = str(raw.subject, 'subject').trim();
  if (!subject) fields.subject = 'mailing.campaigns.errors.subject_required';
  else if (subject.length > SUBJECT_MAX) fields.subject = 'mailing.campaigns.errors.subject_too_long';
  // A mail header: a line break, U+2028 or any control character in it would break or forge the header.
  else if (!isOneLine(subject)) fields.subject = 'mailing.campaigns.errors.subject_one_line';
  const preheader = str(raw.preheader, 'preheader').trim().replace(/\s+/g, ' ');
  if (preheader.length > PREHEADER_MAX) fields.preheader = 'mailing.campaigns.errors.preheader_too_long';
  else if (!isOneLine(preheader)) fields.preheader = 'mailing.campaigns.errors.preheader_one_line';
  const body = str(raw.body, 'body').replace(/\r\n/g, '\n');
  if (!body.trim()) fields.body = 'mailing.campaigns.errors.body_required';
  else if (body.length > BODY_MAX) fields.body = 'mailing.campaigns.errors.body_too_long';
  let bodyFormat: BodyFormat = 'markdown';
  if (raw.bodyFormat !== undefined && raw.bodyFormat !== null && raw.bodyFormat !== '') {
    if (raw.bodyFormat === 'markdown' || raw.bodyFormat === 'html') bodyFormat = raw.bodyFormat;
    else fields.bodyFormat = 'mailing.campaigns.errors.format_invalid';
  }
  const listIds = ids(raw.lists, 'lists', fields);
  const productIds = ids(raw.products, 'products', fields);
  if (!fields.lists && !fields.products && !listIds.length && !productIds.length) fields.lists = 'mailing.campaigns.errors.audience_required';
  return { input: { subject, preheader, bodyFormat, body, listIds, productIds }, fields };
}

/**
 * When to send: an ISO instant with its zone (the API), or `YYYY-MM-DDTHH:MM` from a datetime-local input, which
 * carries no zone and is read in `timeZone` (the operator's; the site zone for the API). A local time that does
 * not exist there (the hour clocks skip) is refused; one that happens twice is the earlier.
 */
export function parseSendAt(at: unknown, now: Date, timeZone: string): Date {
  const s = typeof at === 'string' ? at.trim() : '';
  const r = /^\d{4}-\d{2}-\d{2}T/.test(s) ? parseUntil(s, timeZone) : null;
  if (r && !r.ok && r.error === 'gap') throw AppError.validation({ at: 'time.errors.gap' });
  if (!r || !r.ok) throw AppError.validation({ at: 'mailing.campaigns.errors.at_invalid' });
  const d = r.at;
  if (d.getTime() <= now.getTime()) throw AppError.validation({ at: 'mailing.campaigns.errors.at_past' });
  if (d.getTime() > now.getTime() + 366 * 86400_000) throw AppError.validation({ at: 'mailing.campaigns.errors.at_too_far' });
  return d;
}

export function parseTestAddress(v: unknown): string {
  const email = typeof v === 'string' ? v.trim().toLowerCase() : '';
  if (!isEmail(email)) throw AppError.validation({ email: 'mailing.campaigns.errors.email_invalid' });
  return email;
}
