import * as fs from 'node:fs';
import * as path from 'node:path';
import { AUDIT_ACTIONS } from '../audit/audit-actions';
import { MACHINE_ACTOR_KEYS } from '../audit/audit-entry.view';
import { LOCALES } from '../config/config';
import { ROOT_DIR, VIEWS_DIR } from '../paths';
import { ENUM_NAMES, ENUMS, EnumName } from './enums';
import { allKeys, hasKey, translate } from './i18n';

const SRC_DIR = path.join(ROOT_DIR, 'src');

/**
 * Every string people see exists in both languages: the keys templates and code name literally, every value of
 * every enumeration in the registry, every audit action (a label and a sentence), and every key built at run
 * time from a declared family below. A failure names the key, the language and the file.
 */

function files(dir: string, ext: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'i18n' && dir === VIEWS_DIR ? [] : files(p, ext);
    return e.name.endsWith(ext) ? [p] : [];
  });
}

const rel = (p: string) => path.relative(ROOT_DIR, p);
const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;
const KEY = /^[a-z][a-z0-9_]*(\.[a-z0-9_-]+)+$/;
const NAMESPACES = new Set(allKeys('en').map((k) => k.split('.')[0]));

type Use = { key: string; where: string };

/** What is missing: "<key> (en, ru) — <file:line>" for every use whose key a language lacks. */
function missing(uses: Use[]): string[] {
  const out = new Set<string>();
  for (const u of uses) {
    const lacking = LOCALES.filter((l) => !hasKey(l, u.key));
    if (lacking.length) out.add(`${u.key} (${lacking.join(', ')}) — ${u.where}`);
  }
  return [...out].sort();
}

// ---- templates -------------------------------------------------------------------------------------------

const TEMPLATES = files(VIEWS_DIR, '.njk');
/** `t('literal.key'` */
const LITERAL_T = /\bt\(\s*(['"])([^'"]*)\1\s*[,)]/g;
/** `t('prefix' + expression [+ 'suffix']` — a key built at run time. */
const DYNAMIC_T = /\bt\(\s*(['"])([^'"]*)\1\s*\+\s*([\w.[\]]+)\s*(?:\+\s*(['"])([^'"]*)\4\s*)?[,)]/g;
/** `t(expression)`: a key from a variable. */
const VARIABLE_T = /\bt\(\s*([A-Za-z_][\w.]*)\s*[,)]/g;
/** `enumLabel('name', …)` */
const ENUM_LABEL = /\benumLabel\(\s*(['"])([^'"]*)\1/g;

function templateUses(): { literal: Use[]; dynamic: (Use & { family: string })[]; variable: Use[]; enums: Use[] } {
  const out = { literal: [] as Use[], dynamic: [] as (Use & { family: string })[], variable: [] as Use[], enums: [] as Use[] };
  for (const file of TEMPLATES) {
    const text = fs.readFileSync(file, 'utf8');
    const where = (i: number) => `${rel(file)}:${lineOf(text, i)}`;
    for (const m of text.matchAll(LITERAL_T)) if (KEY.test(m[2])) out.literal.push({ key: m[2], where: where(m.index!) });
    for (const m of text.matchAll(DYNAMIC_T)) out.dynamic.push({ key: m[0], family: `${m[2]}{}${m[5] ?? ''}`, where: where(m.index!) });
    for (const m of text.matchAll(VARIABLE_T)) out.variable.push({ key: m[1], where: where(m.index!) });
    for (const m of text.matchAll(ENUM_LABEL)) out.enums.push({ key: m[2], where: where(m.index!) });
  }
  return out;
}

// ---- TypeScript --------------------------------------------------------------------------------------------

const SOURCES = files(SRC_DIR, '.ts').filter((f) => !f.endsWith('.spec.ts'));
const read = (f: string) => fs.readFileSync(f, 'utf8');

/** Codes of errors (`new AppError(kind, 'code', …)`, `AppError.forbidden('code')`): machine names, not keys. */
function errorCodes(): Set<string> {
  const codes = new Set<string>();
  for (const f of SOURCES) {
    const text = read(f);
    for (const m of text.matchAll(/new AppError\(\s*'[a-z_]+',\s*'([^']+)'/g)) codes.add(m[1]);
    for (const m of text.matchAll(/AppError\.forbidden\(\s*'([^']+)'/g)) codes.add(m[1]);
  }
  return codes;
}

/**
 * Every string literal in the code that is shaped like a key of a namespace the dictionaries have (message keys
 * passed to AppError, field errors, t()/translate() calls), except error codes and audit actions; and every
 * `?notice=<name>` a redirect sets (shown as `notice.<name>`).
 */
function codeUses(): Use[] {
  const skip = new Set<string>([...errorCodes(), ...AUDIT_ACTIONS, ...ENUM_NAMES]);
  // A page that shows its own notice for a name (`q.notice == 'x'`) needs no `notice.x`.
  const ownNotices = new Set(TEMPLATES.flatMap((f) => [...read(f).matchAll(/q\.notice == '([a-z_]+)'/g)].map((m) => m[1])));
  const uses: Use[] = [];
  for (const f of SOURCES) {
    const text = read(f);
    for (const m of text.matchAll(/'([a-z][a-z0-9_]*(?:\.[a-z0-9_-]+)+)'/g)) {
      const key = m[1];
      // A handler's or a job's machine name (`readonly name = 'mailing.bounce'`) is not a key.
      // Nor is a route (`@Get('brand.css')`).
      if (/(readonly name = |@(Get|Post|Put|Patch|Delete|All|Controller)\()$/.test(text.slice(Math.max(0, m.index! - 16), m.index!))) continue;
      // Prefixes ('clients.source_') are the registry's, checked value by value below.
      if (!NAMESPACES.has(key.split('.')[0]) || skip.has(key) || /[._]$/.test(key)) continue;
      uses.push({ key, where: `${rel(f)}:${lineOf(text, m.index!)}` });
    }
    for (const m of text.matchAll(/[?&]notice=([a-z_]+)/g)) if (!ownNotices.has(m[1])) uses.push({ key: `notice.${m[1]}`, where: `${rel(f)}:${lineOf(text, m.index!)}` });
  }
  return uses;
}

// ---- keys built at run time --------------------------------------------------------------------------------

/** Literals a file passes somewhere: `pattern` with one capture group, over the files of `dir` (under src/). */
function literalsIn(dir: string, pattern: RegExp): string[] {
  const found = new Set<string>();
  for (const f of SOURCES.filter((s) => s.startsWith(path.join(SRC_DIR, dir)))) for (const m of read(f).matchAll(pattern)) found.add(m[1]);
  if (!found.size) throw new Error(`no values found for ${pattern} in src/${dir}: the family's source moved?`);
  return [...found];
}
const doneIn = (dir: string) => literalsIn(dir, /[?&]done=([a-z_]+)/g);
const problemsIn = (file: string) => literalsIn(file, /problems\.push\('([a-z_]+)'\)/g);
const values = (name: EnumName) => ENUMS[name].values as readonly string[];

/**
 * Template keys made of a prefix and a value (`t('mailing.lists.done.' + done)`), with where their values come
 * from. Code values with labels belong in the registry (src/i18n/enums.ts) and are printed with enumLabel();
 * these are the messages and titles that are not enumerations of the domain.
 */
const FAMILIES: Record<string, () => readonly string[]> = {
  'clients.done.{}': () => doneIn('clients'),
  'clients.problem.{}': () => problemsIn('clients/clients-import.service.ts'),
  'mailing.import.problem.{}': () => problemsIn('mailing/import/mailing-import.service.ts'),
  'mailing.lists.done.{}': () => doneIn('mailing/lists'),
  'mailing.subscribers.done.{}': () => [...doneIn('mailing/subscribers'), ...values('subscribe.outcome')],
  'mailing.campaigns.done.{}': () => [...doneIn('mailing/campaigns'), ...literalsIn('mailing/campaigns/campaigns.controller.ts', /this\.change\(id, ctx, '([a-z_]+)'/g)],
  'mailing.campaigns.wrong_status.{}': () => values('campaign.status'),
  'mailing.campaigns.stat_{}': () => ['recipients', 'sent', 'failed', 'bounced', 'unsubscribed', 'pending', 'sending', 'skipped', 'unknown'],
  'mailing.subscribe.{}': () => ['check_mail', 'subscribed'],
  'mailing.subscribe.{}_title': () => ['check_mail', 'subscribed'],
  'members.confirm_delete_{}': () => ['lesson', 'section', 'file'],
  'members.confirm_delete_{}_body': () => ['lesson', 'section', 'file'],
  'tickets.done.{}': () => doneIn('support'),
  // the inbox's status tabs: the statuses, and the two groupings the inbox adds (src/support/tickets-staff.service.ts)
  'tickets.status_filter.{}': () => [...values('ticket.status'), 'active', 'all'],
};

/** Templates that pass a key in a variable, and why that is safe. */
const VARIABLE_KEYS_ALLOWED: Record<string, string> = {};

// ---- the tests ---------------------------------------------------------------------------------------------

describe('string catalogue', () => {
  const uses = templateUses();

  it('has the same keys in ru and en', () => {
    const en = new Set(allKeys('en'));
    const ru = new Set(allKeys('ru'));
    expect([...en].filter((k) => !ru.has(k)).map((k) => `${k} (ru)`)).toEqual([]);
    expect([...ru].filter((k) => !en.has(k)).map((k) => `${k} (en)`)).toEqual([]);
  });

  it('finds the templates and their keys (so the checks below check something)', () => {
    expect(TEMPLATES.some((f) => f.includes(`${path.sep}emails${path.sep}`))).toBe(true);
    expect(TEMPLATES.some((f) => f.includes(`${path.sep}partials${path.sep}`))).toBe(true);
    expect(uses.literal.length).toBeGreaterThan(500);
    expect(uses.enums.length).toBeGreaterThan(20);
  });

  it('every key a template names is in both languages', () => {
    expect(missing(uses.literal)).toEqual([]);
  });

  it('every key the code names (messages, field errors, notices) is in both languages', () => {
    const code = codeUses();
    expect(code.length).toBeGreaterThan(100);
    expect(missing(code)).toEqual([]);
  });

  it('templates build keys only through enumLabel() or a declared family, and every family is complete', () => {
    const undeclared = uses.dynamic.filter((u) => !FAMILIES[u.family]).map((u) => `${u.key} — ${u.where}: print code values with enumLabel(), or declare the family in ${rel(__filename)}`);
    expect(undeclared).toEqual([]);
    const built = uses.dynamic.flatMap((u) => FAMILIES[u.family]().map((v) => ({ key: u.family.replace('{}', v), where: u.where })));
    expect(missing(built)).toEqual([]);
    const variable = uses.variable.filter((u) => !VARIABLE_KEYS_ALLOWED[u.key]).map((u) => `t(${u.key}) — ${u.where}`);
    expect(variable).toEqual([]);
  });

  it('enumLabel() is called with enumerations the registry has', () => {
    expect(uses.enums.filter((u) => !(u.key in ENUMS)).map((u) => `${u.key} — ${u.where}`)).toEqual([]);
  });

  it('every value of every enumeration in the registry has a label in both languages', () => {
    const labels = ENUM_NAMES.flatMap((name) => ENUMS[name].values.map((v: string) => ({ key: (ENUMS[name].key as (v: string) => string)(v), where: `enum ${name}, value ${v}` })));
    expect(labels.length).toBeGreaterThan(100);
    expect(missing(labels)).toEqual([]);
  });

  it('every audit action has a label and a sentence in both languages', () => {
    const keys = AUDIT_ACTIONS.flatMap((a) => [
      { key: `audit.label.${a}`, where: `audit action ${a}` },
      { key: `audit.sentence.${a}`, where: `audit action ${a}` },
    ]);
    expect(missing(keys)).toEqual([]);
  });

  it('every machine actor has a name in both languages', () => {
    expect(missing(MACHINE_ACTOR_KEYS.map((key) => ({ key, where: 'src/audit/audit-entry.view.ts' })))).toEqual([]);
  });

  it('an audit sentence uses only placeholders its entry can fill', () => {
    const known = new Set(['actor', 'subject', 'product', 'list', 'lesson', 'to', 'rows', 'count', 'label', 'name', 'title', 'externalId', 'orderId']);
    const bad = LOCALES.flatMap((l) =>
      allKeys(l)
        .filter((k) => k.startsWith('audit.sentence.'))
        .flatMap((k) => [...translate(l, k).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).filter((p) => !known.has(p)).map((p) => `${k} (${l}): {${p}}`)),
    );
    expect(bad).toEqual([]);
  });
});
