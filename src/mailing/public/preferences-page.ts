import type { Request, Response } from 'express';
import { LANG_COOKIE } from '../../common/http/context.middleware';
import { RequestContext } from '../../common/http/request-context';
import { Locale } from '../../config/config';
import { isLocale, translate } from '../../i18n/i18n';

/**
 * The pages a mail links to (unsubscribe, preferences) speak the subscriber's language: a language picked on this
 * device with the switch wins, then the subscriber's own, then the browser's (or the site default).
 */
export function mailingPageLocale(req: Request, ctx: RequestContext, subscriberLocale: Locale | null): Locale {
  const chosen = req.cookies?.[LANG_COOKIE];
  if (isLocale(chosen)) return chosen;
  return subscriberLocale ?? ctx.locale;
}

/** What the layout reads for its language (overrides the request's defaults in res.locals). */
export function localeModel(locale: Locale) {
  return { locale, otherLocale: locale === 'ru' ? 'en' : 'ru', t: (key: string, vars?: Record<string, unknown>) => translate(locale, key, vars) };
}

/**
 * These URLs carry a bearer token: never cached, never indexed. Set before anything can fail, so error pages
 * get it too.
 */
export function privatePage(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Robots-Tag', 'noindex, nofollow');
}
