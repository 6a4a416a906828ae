import type { Environment } from 'nunjucks';
import type { AppConfig } from '../config/config';

const DATE_LOCALE = { ru: 'ru-RU', en: 'en-GB' } as const;

/** Filters every template may use. Output still goes through auto-escaping. */
export function registerViewHelpers(env: Environment, config: AppConfig): void {
  env.addGlobal('appName', 'kabinet');
  env.addGlobal('appUrl', config.appUrl);
  env.addFilter('datetime', function (this: { ctx: { locale?: 'ru' | 'en' } }, d: Date | string | null) {
    if (!d) return '';
    const date = d instanceof Date ? d : new Date(d);
    return new Intl.DateTimeFormat(DATE_LOCALE[this.ctx.locale ?? 'en'], { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(date) + ' UTC';
  });
  // Audit actions read as words where a translation exists, as their code otherwise.
  env.addGlobal('auditAction', (action: string, t: (k: string) => string) => {
    const key = `audit_action.${action.replace(/\./g, '__')}`;
    const label = t(key);
    return label === key ? action : label;
  });
  env.addFilter('json', (v: unknown) => JSON.stringify(v, null, 2));
}
