import { runtime, type Environment } from 'nunjucks';
import type { AppConfig, Locale } from '../config/config';
import { actorText } from '../audit/audit-entry.view';
import { consentDetailLabel, EnumName, enumLabel, grantReasonLabel } from '../i18n/enums';
import { DateReader, formatDate, formatDateTime, formatStart, formatUntil, toDate } from '../common/time/date-format';
import { localDateString, localDateTimeString, untilDay } from '../common/time/zoned-time';
import { humanFileSize } from './file-size';
import { linkify } from './linkify';
import { outlineHtml } from './outline-html';
import type { OutlineView } from '../members/client-area/client-area.service';
import { translate } from '../i18n/i18n';

/** Filters every template may use. Output still goes through auto-escaping. */
export function registerViewHelpers(env: Environment, config: AppConfig): void {
  env.addGlobal('appName', 'kabinet');
  env.addGlobal('appUrl', config.appUrl);
  registerDateFilters(env);
  registerLinkify(env);
  // Code values (statuses, roles, sources...) as words, from the one registry in src/i18n/enums.ts.
  env.addGlobal('enumLabel', function (this: { ctx: { locale?: Locale } }, name: EnumName, value: unknown) {
    return enumLabel(this.ctx.locale ?? 'en', name, value);
  });
  env.addFilter('grantReason', function (this: { ctx: { locale?: Locale } }, reason: string | null) {
    return grantReasonLabel(this.ctx.locale ?? 'en', reason);
  });
  env.addFilter('actor', function (this: { ctx: { locale?: Locale } }, label: string) {
    return actorText(this.ctx.locale ?? 'en', label ?? '');
  });
  env.addFilter('consentDetail', function (this: { ctx: { locale?: Locale } }, detail: string | null) {
    return consentDetailLabel(this.ctx.locale ?? 'en', detail);
  });
  env.addFilter('filesize', function (this: { ctx: { locale?: string } }, bytes: number) {
    return humanFileSize(Number(bytes), this.ctx.locale);
  });
  env.addFilter('json', (v: unknown) => JSON.stringify(v, null, 2));
  // The lesson player's sidebar (see outline-html.ts for why it is not a template loop).
  env.addGlobal('outlineList', function (this: RenderContext, outline: OutlineView) {
    const c = this.ctx;
    const locale = c.locale ?? 'en';
    const r = reader(c);
    return new runtime.SafeString(
      outlineHtml(outline, { t: (key, vars) => translate(locale, key, vars), opens: (d) => formatStart(d, r) }),
    );
  });
}

/**
 * `{{ body | linkify }}`: plain text escaped, its web and e-mail addresses made links (see linkify.ts). For pages
 * and HTML mail only; a text part shows the body as it is.
 */
export function registerLinkify(env: Environment): void {
  env.addFilter('linkify', (v: unknown) => new runtime.SafeString(linkify(v === null || v === undefined ? '' : String(v))));
}

type DateValue = Date | string | number | null | undefined;
interface RenderContext {
  ctx: { locale?: Locale; timeZone?: string; showZone?: boolean };
}

/**
 * The date filters of pages and mails. Each reads the reader's language and zone from the render context:
 * `timeZone` (the viewer's own zone, else the site zone; a mail's recipient's) and `showZone` (times carry
 * the zone's name: always in the admin panel and in mail, on client pages only when the viewer's zone is not the
 * site's). Without them (a template rendered outside a request) dates are in UTC, named.
 */
const reader = (c: RenderContext['ctx']): DateReader => ({
  locale: c.locale ?? 'en',
  timeZone: c.timeZone ?? 'UTC',
  showZone: c.showZone ?? !c.timeZone,
});

export function registerDateFilters(env: Environment): void {
  const filter = (name: string, fn: (v: DateValue, r: DateReader) => string) =>
    env.addFilter(name, function (this: RenderContext, v: DateValue) {
      return fn(v, reader(this.ctx));
    });
  filter('datetime', formatDateTime);
  filter('date', formatDate);
  filter('until', formatUntil);
  filter('opens', formatStart);
  // Values of form inputs, so an edit form shows back what was entered.
  filter('dateInput', (v, r) => { const d = toDate(v); return d ? localDateString(d, r.timeZone) : ''; });
  filter('untilInput', (v, r) => { const d = toDate(v); return d ? localDateString(untilDay(d, r.timeZone), r.timeZone) : ''; });
  filter('datetimeInput', (v, r) => { const d = toDate(v); return d ? localDateTimeString(d, r.timeZone) : ''; });
}
