import * as fs from 'node:fs';
import * as path from 'node:path';
import { Locale, LOCALES } from '../config/config';
import { VIEWS_DIR } from '../paths';

type Dict = { [k: string]: string | Dict };

/** Strings live beside the templates, in views/i18n/<locale>/<feature>.json: one file per feature, merged at start-up. */
const LOCALES_DIR = path.join(VIEWS_DIR, 'i18n');

function load(locale: Locale): Dict {
  const dir = path.join(LOCALES_DIR, locale);
  const merged: Dict = {};
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    Object.assign(merged, JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')));
  }
  return merged;
}

const DICTS: Record<Locale, Dict> = { en: load('en'), ru: load('ru') };

function lookup(dict: Dict, key: string): string | undefined {
  let cur: string | Dict | undefined = dict;
  for (const part of key.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = cur[part];
  }
  return typeof cur === 'string' ? cur : undefined;
}

/** Translates `key`; unknown keys are returned as they are (plain text passes through). */
export function translate(locale: Locale, key: string, vars: Record<string, unknown> = {}): string {
  const s = lookup(DICTS[locale], key) ?? lookup(DICTS.en, key) ?? key;
  return s.replace(/\{(\w+)\}/g, (m, name: string) => (vars[name] === undefined ? m : String(vars[name])));
}

export function hasKey(locale: Locale, key: string): boolean {
  return lookup(DICTS[locale], key) !== undefined;
}

export function isLocale(v: unknown): v is Locale {
  return typeof v === 'string' && (LOCALES as readonly string[]).includes(v);
}

/** Picks the first supported language from an Accept-Language header, honouring q-values. */
export function fromAcceptLanguage(header: string | undefined): Locale | null {
  if (!header) return null;
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
      return { lang: tag.trim().toLowerCase().split('-')[0], q: q ? Number(q) : 1 };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q);
  return (ranked.find((x) => isLocale(x.lang))?.lang as Locale) ?? null;
}

export function allKeys(locale: Locale): string[] {
  const out: string[] = [];
  const walk = (d: Dict, prefix: string) => {
    for (const [k, v] of Object.entries(d)) {
      if (k === 'default') continue;
      if (typeof v === 'string') out.push(prefix + k);
      else walk(v, `${prefix}${k}.`);
    }
  };
  walk(DICTS[locale], '');
  return out;
}
