import type { Environment } from 'nunjucks';
import type { AppConfig } from '../config/config';
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
  // Audit actions read as words where a translation exists, as their code otherwise.
  env.addGlobal('auditAction', (action: string, t: (k: string) => string) => {
    const key = `audit_action.${action.replace(/\./g, '__')}`;
    const label = t(key);
    return label === key ? action : label;
  });
  env.addFilter('filesize', function (this: { ctx: { locale?: string } }, bytes: number) {
    return humanFileSize(Number(bytes), this.ctx.locale);
  });
  env.addFilter('json', (v: unknown) => JSON.stringify(v, null, 2));
}
