import type { Locale } from '../config/config';
import { ENUMS, enumLabel, EnumName } from '../i18n/enums';
import { hasKey, translate } from '../i18n/i18n';
import type { AuditEntry } from './entities/audit-entry.entity';
import { NamedKind, NameRequests, Names, nameKey } from './audit-names.repository';

/** A piece of an audit sentence: plain text, or the name of an object linked to its admin page. */
export interface Segment {
  text: string;
  href?: string;
}

/** A value in the details list; dates stay dates so the template formats them like every other date. */
export type DetailValue = { text: string; date?: undefined } | { date: Date; text?: undefined };

export interface DetailRow {
  label: string;
  /** Set when the entry has the field on both sides and it changed: shown as "before → after". */
  before?: DetailValue;
  value: DetailValue;
}

export interface AuditEntryView {
  id: number;
  at: Date;
  action: string;
  actionLabel: string;
  sentence: Segment[];
  details: DetailRow[];
  /** The stored summary, parsed, and as text for the "technical details" disclosure. */
  summary: Record<string, unknown>;
  raw: string;
  ip: string;
}

type Summary = Record<string, unknown> & { before?: Record<string, unknown>; after?: Record<string, unknown> };

/** Subject types whose objects are rows of another kind: a client is a user. */
const SUBJECT_KIND: Record<string, NamedKind> = {
  client: 'user',
  user: 'user',
  product: 'product',
  campaign: 'campaign',
  mailing_list: 'mailing_list',
  subscriber: 'subscriber',
  api_key: 'api_key',
  access_key: 'access_key',
};

/** Fields of a summary that name another object by id, and what kind of object. */
const ID_FIELDS: Record<string, NamedKind> = {
  productId: 'product',
  listId: 'mailing_list',
  lessonId: 'lesson',
  grantId: 'grant',
  labelId: 'label',
  keyId: 'access_key',
};
/** Fields holding lists of ids. */
const ID_LIST_FIELDS: Record<string, NamedKind> = { lists: 'mailing_list', products: 'product' };

/** Internal or technical fields: in the raw summary for debugging, not in the list people read. */
const HIDDEN_FIELDS = new Set(['grantId', 'lessonId', 'sectionId', 'fileId', 'noteId', 'labelId', 'keyId', 'productId', 'listId', 'sha256', 'currency', 'fields', 'orderId']);

/** Fields whose values are code values of an enumeration; `status` depends on what the entry is about. */
function enumOf(action: string, field: string): EnumName | null {
  const ns = action.split('.')[0];
  switch (field) {
    case 'status':
      return ns === 'campaign' ? 'campaign.status' : ns === 'order' ? 'order.status' : ns === 'product' ? 'product.status' : ns === 'offboarding' ? 'offboarding.status' : null;
    case 'name':
      // the step of an offboarding case ("the step Revoke access is done"), not a person's name
      return ns === 'offboarding' ? 'offboarding.step' : null;
    case 'via':
      return 'client.via';
    case 'source':
      return 'grant.source';
    case 'suppressed':
      return 'subscriber.suppression';
    case 'reason':
      return ns === 'mailing' ? 'subscriber.suppression' : null;
    case 'optIn':
      return 'list.opt_in';
    case 'direction':
      return 'move.direction';
    case 'outcome':
      return 'subscribe.outcome';
    case 'mode':
      return 'import.mode';
    case 'locale':
      return 'locale';
    default:
      return null;
  }
}

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function parseSummary(s: string): Summary {
  try {
    return asRecord(JSON.parse(s)) as Summary;
  } catch {
    return { raw: s };
  }
}

function sides(summary: Summary): Record<string, unknown>[] {
  const { before, after, ...extra } = summary;
  return [asRecord(before), extra, asRecord(after)];
}

/** Every object a page of entries names, so they are looked up once per kind. */
export function namesWanted(rows: AuditEntry[]): NameRequests {
  const req: NameRequests = {};
  const want = (kind: NamedKind, id: unknown) => {
    const n = typeof id === 'number' ? id : typeof id === 'string' && /^\d{1,15}$/.test(id) ? Number(id) : NaN;
    if (Number.isSafeInteger(n) && n > 0) (req[kind] ??= new Set()).add(n);
  };
  for (const r of rows) {
    if (r.actorUserId) want('user', r.actorUserId);
    const kind = r.subjectType ? SUBJECT_KIND[r.subjectType] : undefined;
    if (kind && r.subjectId) want(kind, r.subjectId);
    for (const side of sides(parseSummary(r.summary))) {
      for (const [field, kind] of Object.entries(ID_FIELDS)) want(kind, side[field]);
      for (const [field, kind] of Object.entries(ID_LIST_FIELDS)) if (Array.isArray(side[field])) for (const id of side[field]) want(kind, id);
    }
  }
  return req;
}

function hrefOf(kind: string, id: number | string, names: Names): string | undefined {
  const found = names.get(nameKey(SUBJECT_KIND[kind] ?? (kind as NamedKind), id));
  if (!found) return undefined;
  switch (kind) {
    case 'client':
      return `/admin/clients/${id}`;
    case 'user':
      return found.role === 'client' ? `/admin/clients/${id}` : `/admin/users/${id}`;
    case 'product':
      return `/admin/products/${id}`;
    case 'lesson':
      return `/admin/lessons/${id}`;
    case 'campaign':
      return `/admin/mailing/campaigns/${id}`;
    case 'mailing_list':
      return `/admin/mailing/lists/${id}`;
    case 'subscriber':
      return `/admin/mailing/subscribers/${id}`;
    case 'api_key':
      return '/admin/api-keys';
    case 'access_key':
      return '/admin/keys';
    default:
      return undefined;
  }
}

/** Names people give things are quoted in a sentence; addresses are not. */
const QUOTED = new Set(['product', 'lesson', 'campaign', 'mailing_list', 'api_key', 'label']);
const QUOTES: Record<Locale, [string, string]> = { en: ['“', '”'], ru: ['«', '»'] };

/** An object as sentence pieces: its current name linked to its page, or "#id" as plain text once it is gone. */
function objectRef(locale: Locale, kind: string, id: unknown, names: Names, fallbackName?: unknown): Segment[] {
  if (id === null || id === undefined || id === '') return [];
  const found = names.get(nameKey(SUBJECT_KIND[kind] ?? (kind as NamedKind), String(id)));
  const name = (kind === 'client' ? found?.email : found?.name) ?? (typeof fallbackName === 'string' && fallbackName ? fallbackName : `#${id}`);
  const link: Segment = { text: name, href: hrefOf(kind, String(id), names) };
  if (!QUOTED.has(kind) || name.startsWith('#')) return [link];
  const [open, close] = QUOTES[locale];
  return [{ text: open }, link, { text: close }];
}

/** Who acted, as stored (`Actor.label`): the machine actors in words, a person's address as it is. */
const MACHINE_ACTORS = ['system', 'anonymous', 'cli', 'webhook'] as const;

export function actorText(locale: Locale, label: string): string {
  if ((MACHINE_ACTORS as readonly string[]).includes(label)) return translate(locale, `audit.actor.${label}`);
  const key = /^api-key:(.*)$/.exec(label);
  return key ? translate(locale, 'audit.actor.api_key', { name: key[1] }) : label;
}
export const MACHINE_ACTOR_KEYS = [...MACHINE_ACTORS.map((a) => `audit.actor.${a}`), 'audit.actor.api_key'];

function actorRef(locale: Locale, row: AuditEntry, names: Names): Segment[] {
  if (row.actorUserId && names.has(nameKey('user', row.actorUserId))) return objectRef(locale, 'user', row.actorUserId, names);
  return [{ text: actorText(locale, row.actorLabel) }];
}

const NUMBER = { en: new Intl.NumberFormat('en-GB'), ru: new Intl.NumberFormat('ru-RU') };

function formatBytes(locale: Locale, n: number): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const;
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return new Intl.NumberFormat(locale, { style: 'unit', unit: units[i], unitDisplay: 'short', maximumFractionDigits: i ? 1 : 0 }).format(v);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function formatValue(locale: Locale, action: string, field: string, value: unknown, all: Record<string, unknown>, names: Names): DetailValue {
  if (value === null || value === undefined || value === '') {
    return { text: translate(locale, field === 'endsAt' ? 'audit.value.no_end' : 'audit.value.none') };
  }
  if (typeof value === 'boolean') return { text: translate(locale, value ? 'audit.value.yes' : 'audit.value.no') };
  const en = enumOf(action, field);
  // a list of codes ("notice, refund": the steps a retry ran) reads as a list of labels
  if (en && typeof value === 'string') return { text: value.split(', ').map((v) => enumLabel(locale, en, v)).join(', ') };
  if (typeof value === 'string' && ISO_DATE.test(value) && !Number.isNaN(Date.parse(value))) return { date: new Date(value) };
  if (typeof value === 'number') {
    if (field === 'sizeBytes') return { text: formatBytes(locale, value) };
    if (field === 'amountMinor' && typeof all.currency === 'string' && /^[A-Z]{3}$/.test(all.currency)) {
      return { text: new Intl.NumberFormat(locale, { style: 'currency', currency: all.currency }).format(value / 100) };
    }
    return { text: NUMBER[locale].format(value) };
  }
  if (Array.isArray(value)) {
    const kind = ID_LIST_FIELDS[field];
    if (kind) return { text: value.map((id) => names.get(nameKey(kind, String(id)))?.name ?? `#${id}`).join(', ') || translate(locale, 'audit.value.none') };
    if (value.every((v) => typeof v !== 'object' || v === null)) return { text: value.join(', ') || translate(locale, 'audit.value.none') };
  }
  if (typeof value === 'object') return { text: JSON.stringify(value) };
  return { text: String(value) };
}

function fieldLabel(locale: Locale, field: string): string {
  const key = `audit.field.${field}`;
  return hasKey(locale, key) ? translate(locale, key) : field;
}

/** The placeholders a sentence uses: what it says already is not repeated in the list below it. */
function placeholders(template: string): Set<string> {
  return new Set([...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
}

function details(locale: Locale, action: string, summary: Summary, inSentence: Set<string>, names: Names, subjectName: string): DetailRow[] {
  const [before, extra, after] = sides(summary);
  const all = { ...before, ...extra, ...after };
  const rows: DetailRow[] = [];
  for (const field of Object.keys(all)) {
    if (HIDDEN_FIELDS.has(field)) continue;
    const inBefore = field in before;
    const inAfter = field in after || field in extra;
    const now = field in after ? after[field] : field in extra ? extra[field] : before[field];
    if (inBefore && inAfter) {
      if (JSON.stringify(before[field]) === JSON.stringify(now)) continue;
      rows.push({ label: fieldLabel(locale, field), before: formatValue(locale, action, field, before[field], all, names), value: formatValue(locale, action, field, now, all, names) });
      continue;
    }
    // What the sentence says already (the object's name, an address in it) is not repeated below it.
    if (inSentence.has(field) || (typeof now === 'string' && now === subjectName)) continue;
    if (Array.isArray(now) && !now.length) continue;
    rows.push({ label: fieldLabel(locale, field), value: formatValue(locale, action, field, now, all, names) });
  }
  return rows;
}

function sentenceVar(locale: Locale, row: AuditEntry, name: string, all: Record<string, unknown>, names: Names): Segment[] {
  switch (name) {
    case 'actor':
      return actorRef(locale, row, names);
    case 'subject':
      return row.subjectType ? objectRef(locale, row.subjectType, row.subjectId, names) : [];
    case 'product': {
      const grant = all.grantId !== undefined ? names.get(nameKey('grant', String(all.grantId))) : undefined;
      return objectRef(locale, 'product', all.productId ?? grant?.productId, names);
    }
    case 'list':
      return objectRef(locale, 'mailing_list', all.listId, names);
    case 'lesson':
      return objectRef(locale, 'lesson', all.lessonId, names, all.title);
  }
  const v = all[name];
  if (v === undefined || v === null || v === '') return [{ text: '—' }];
  const f = formatValue(locale, row.action, name, v, all, names);
  return [{ text: f.text ?? f.date!.toISOString() }];
}

function subjectText(locale: Locale, row: AuditEntry, names: Names): string {
  return row.subjectType ? (objectRef(locale, row.subjectType, row.subjectId, names).find((s) => s.href !== undefined || s.text.startsWith('#'))?.text ?? '') : '';
}

/** One entry as people read it: "<actor> <did what> <to which object>", then the details as a list. */
export function presentAuditEntry(locale: Locale, row: AuditEntry, names: Names): AuditEntryView {
  const summary = parseSummary(row.summary);
  const [before, extra, after] = sides(summary);
  const all = { ...before, ...extra, ...after };
  const key = `audit.sentence.${row.action}`;
  const known = (ENUMS['audit.action'].values as readonly string[]).includes(row.action) && hasKey(locale, key);
  // An action recorded by an older version, or not labelled yet, still reads: "<actor>: <code> <object>".
  const template = known ? translate(locale, key) : translate(locale, 'audit.unknown_action');
  const sentence: Segment[] = [];
  const parts = template.split(/\{(\w+)\}/);
  parts.forEach((part, i) => {
    if (i % 2 === 0) {
      if (part) sentence.push({ text: part });
    } else if (part === 'action') sentence.push({ text: row.action });
    else sentence.push(...sentenceVar(locale, row, part, all, names));
  });
  // A placeholder with nothing to show (no subject) leaves no dangling space.
  const last = sentence[sentence.length - 1];
  if (last && !last.href) last.text = last.text.trimEnd();
  return {
    id: row.id,
    at: row.createdAt,
    action: row.action,
    actionLabel: enumLabel(locale, 'audit.action', row.action),
    sentence,
    details: details(locale, row.action, summary, placeholders(template), names, subjectText(locale, row, names)),
    summary,
    raw: JSON.stringify(summary, null, 2),
    ip: row.ip,
  };
}
