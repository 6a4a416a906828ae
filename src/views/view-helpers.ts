import type { Environment } from 'nunjucks';
import type { AppConfig, Locale } from '../config/config';
import { actorText } from '../audit/audit-entry.view';
import { consentDetailLabel, EnumName, enumLabel, grantReasonLabel } from '../i18n/enums';
import { humanFileSize } from './file-size';

const DATE_LOCALE = { ru: 'ru-RU', en: 'en-GB' } as const;
// Building an Intl formatter costs far more than using one: one per locale, made once.
const DATETIME = {
  ru: new Intl.DateTimeFormat(DATE_LOCALE.ru, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat(DATE_LOCALE.en, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
};

/** Filters every template may use. Output still goes through auto-escaping. */
export function registerViewHelpers(env: Environment, config: AppConfig): void {
  env.addGlobal('appName', 'kabinet');
  env.addGlobal('appUrl', config.appUrl);
  env.addFilter('datetime', function (this: { ctx: { locale?: 'ru' | 'en' } }, d: Date | string | null) {
    if (!d) return '';
    const date = d instanceof Date ? d : new Date(d);
    return DATETIME[this.ctx.locale ?? 'en'].format(date) + ' UTC';
  });
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
}
