import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { SessionsService } from '../../auth/sessions.service';
import { brandView } from '../../settings/brand/brand';
import { SettingsService } from '../../settings/settings.service';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { fromAcceptLanguage, hasKey, isLocale, translate } from '../../i18n/i18n';
import { toUserView } from '../../users/users.service';
import { hmac, randomToken } from '../crypto';
import { AppRequest, isMachinePath, pathOf, RequestContext } from './request-context';

export const SESSION_COOKIE = 'kb_sid';
export const CSRF_COOKIE = 'kb_csrf';
export const LANG_COOKIE = 'kb_lang';
const CSRF_MEMO_SIZE = 10_000;

/**
 * Runs before every route: resolves the session from its cookie (one query, so an ended session is refused on
 * the very next request), picks the language, prepares the CSRF token and what every template needs.
 */
@Injectable()
export class ContextMiddleware implements NestMiddleware {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly sessions: SessionsService,
    private readonly settings: SettingsService,
  ) {}

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      const path = pathOf(req);
      const isApi = isMachinePath(path);
      const found = isApi ? null : await this.sessions.resolve(req.cookies?.[SESSION_COOKIE]);
      if (!isApi && req.cookies?.[SESSION_COOKIE] && !found) this.clearSessionCookie(res);

      let csrfSeed: string = req.cookies?.[CSRF_COOKIE];
      if (!isApi && (!csrfSeed || !/^[\w-]{20,64}$/.test(csrfSeed))) {
        csrfSeed = randomToken(24);
        res.cookie(CSRF_COOKIE, csrfSeed, this.cookieOptions());
      }

      const langCookie = req.cookies?.[LANG_COOKIE];
      const locale =
        (isLocale(found?.user.locale) && found!.user.locale) ||
        (isLocale(langCookie) && langCookie) ||
        fromAcceptLanguage(req.headers['accept-language']) ||
        this.config.defaultLocale;

      const ctx: RequestContext = {
        user: found?.user ?? null,
        session: found?.session ?? null,
        apiKey: null,
        locale,
        csrfToken: csrfSeed ? this.csrfToken(csrfSeed, found?.session.tokenHash) : '',
        ip: req.ip ?? req.socket.remoteAddress ?? '',
        userAgent: String(req.headers['user-agent'] ?? ''),
      };
      (req as AppRequest).ctx = ctx;

      // Nothing personal stays in a browser's or a proxy's cache: a logged-in page, or any answer of the admin API.
      if (ctx.user || path.startsWith('/api/admin/')) res.setHeader('Cache-Control', 'no-store');
      const notice = typeof req.query.notice === 'string' && /^[a-z_]{1,40}$/.test(req.query.notice) ? `notice.${req.query.notice}` : null;
      const site = await this.settings.current();
      Object.assign(res.locals, {
        site,
        brand: brandView(site),
        timeZone: site.timeZone,
        locale,
        otherLocale: locale === 'ru' ? 'en' : 'ru',
        t: (key: string, vars?: Record<string, unknown>) => translate(locale, key, vars),
        csrfToken: ctx.csrfToken,
        currentUser: ctx.user ? toUserView(ctx.user) : null,
        currentPath: path,
        currentUrl: req.originalUrl,
        notice: notice && hasKey(locale, notice) ? translate(locale, notice) : null,
        smtpConfigured: !!this.config.smtpUrl,
      });
      next();
    } catch (e) {
      next(e);
    }
  }

  /**
   * The HMAC costs more than the rest of this middleware together, and a browser sends the same seed and
   * session on every request: remember recent answers (a pure function of the two, bounded in size).
   */
  private readonly csrfTokens = new Map<string, string>();

  private csrfToken(seed: string, sessionTokenHash: string | undefined): string {
    const key = `${seed}|${sessionTokenHash ?? ''}`;
    let token = this.csrfTokens.get(key);
    if (token === undefined) {
      token = csrfTokenFor(this.config.secretKey, seed, sessionTokenHash);
      if (this.csrfTokens.size >= CSRF_MEMO_SIZE) this.csrfTokens.delete(this.csrfTokens.keys().next().value!);
      this.csrfTokens.set(key, token);
    }
    return token;
  }

  cookieOptions() {
    return { httpOnly: true, sameSite: 'lax' as const, secure: this.config.secureCookies, path: '/' };
  }

  clearSessionCookie(res: Response): void {
    res.clearCookie(SESSION_COOKIE, this.cookieOptions());
  }
}

/** Signed double-submit token, bound to the session when there is one (a token from before login stops working). */
export function csrfTokenFor(secret: string, seed: string, sessionTokenHash?: string): string {
  return hmac(secret, `csrf|${seed}|${sessionTokenHash ?? ''}`);
}
