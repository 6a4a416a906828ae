import { AppError } from '../common/errors/app-error';
import { isCleanText, isOneLine } from '../common/text';
import { TICKET_BODY_MAX } from './ticket-attachments';
import { TICKET_PRIORITIES, TICKET_STATUSES, TICKET_TYPES, TicketPriority, TicketStatus, TicketType } from './entities/ticket.entity';

type Fields = Record<string, string | undefined>;

/** Collects every problem of a form before throwing, so the page shows them all at once. */
export class FieldErrors {
  readonly fields: Record<string, string> = {};
  add(name: string, key: string): void {
    this.fields[name] ??= key;
  }
  throwIfAny(): void {
    if (Object.keys(this.fields).length) throw AppError.validation(this.fields);
  }
}

export function subjectOf(v: string | undefined, e: FieldErrors, name = 'subject'): string {
  const s = (v ?? '').trim();
  if (!s) e.add(name, 'tickets.errors.subject_required');
  else if (!isOneLine(s)) e.add(name, 'tickets.errors.one_line');
  else if (s.length > 200) e.add(name, 'tickets.errors.too_long');
  return s;
}

export function bodyOf(v: string | undefined, e: FieldErrors, name = 'body'): string {
  const s = (v ?? '').replace(/\r\n?/g, '\n').trim();
  if (!s) e.add(name, 'tickets.errors.body_required');
  else if (!isCleanText(s)) e.add(name, 'tickets.errors.invalid');
  else if (s.length > TICKET_BODY_MAX) e.add(name, 'tickets.errors.too_long');
  return s;
}

export function typeOf(v: string | undefined, e: FieldErrors): TicketType {
  if ((TICKET_TYPES as readonly string[]).includes(v ?? '')) return v as TicketType;
  e.add('type', 'tickets.errors.type');
  return 'support';
}

/** An optional id field: empty = none. */
export function optionalIdOf(v: string | number | undefined | null, e: FieldErrors, name: string): number | null {
  if (v === undefined || v === null || v === '') return null;
  const s = String(v);
  if (!/^\d{1,10}$/.test(s) || Number(s) < 1 || Number(s) > 2147483647) {
    e.add(name, 'tickets.errors.invalid');
    return null;
  }
  return Number(s);
}

export function statusOf(v: string | undefined, e: FieldErrors, name = 'status'): TicketStatus | undefined {
  if (v === undefined || v === '') return undefined;
  if ((TICKET_STATUSES as readonly string[]).includes(v)) return v as TicketStatus;
  e.add(name, 'tickets.errors.status');
  return undefined;
}

export function priorityOf(v: string | undefined, e: FieldErrors): TicketPriority | undefined {
  if (v === undefined || v === '') return undefined;
  if ((TICKET_PRIORITIES as readonly string[]).includes(v)) return v as TicketPriority;
  e.add('priority', 'tickets.errors.priority');
  return undefined;
}

/** Minutes spent on a reply or note: empty = none; otherwise 0..1440. */
export function minutesOf(v: string | number | undefined | null, e: FieldErrors): number | null {
  if (v === undefined || v === null || v === '') return null;
  const s = String(v).trim();
  if (!/^\d{1,4}$/.test(s) || Number(s) > 1440) {
    e.add('minutes', 'tickets.errors.minutes');
    return null;
  }
  return Number(s);
}

export type Q = Fields;

/** The confirmations a ticket page shows after a redirect (`?done=`); anything else shows none. */
const DONE = ['ticket_opened', 'reply_sent', 'ticket_linked', 'ticket_closed', 'note_added', 'ticket_updated', 'ticket_converted', 'canned_saved', 'canned_deleted'] as const;

export function doneOf(v: unknown): string | null {
  return typeof v === 'string' && (DONE as readonly string[]).includes(v) ? v : null;
}
