import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Query, Redirect, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { APP_CONFIG, AppConfig } from '../config/config';
import { AppError, RedirectTo } from '../common/errors/app-error';
import { ContextMiddleware, CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE } from '../common/http/context.middleware';
import { Ctx, FormView, Public } from '../common/http/decorators';
import { RequestContext } from '../common/http/request-context';
import { isLocale } from '../i18n/i18n';
import { User } from '../users/entities/user.entity';
import { UsersRepository } from '../users/users.repository';
import { AuthService, ClientInfo } from './auth.service';
import { SetupService } from './setup.service';

type Form = Record<string, string | undefined>;

/** Only same-site paths are followed after login, never another host. */
export function safeNext(next: unknown, fallback: string): string {
  return typeof next === 'string' && /^\/(?![/\\])[\w\-./?=&%#]*$/.test(next) ? next : fallback;
}

export function homeOf(user: Pick<User, 'role'>): string {
  return user.role === 'client' ? '/account' : '/admin';
}

function client(ctx: RequestContext): ClientInfo {
  return { ip: ctx.ip, userAgent: ctx.userAgent, locale: ctx.locale };
}

@ApiExcludeController()
@Controller()
export class AuthController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly setup: SetupService,
    private readonly users: UsersRepository,
    private readonly context: ContextMiddleware,
  ) {}

  @Public()
  @Get('/')
  @Redirect('/login', 303)
  async root(@Ctx() ctx: RequestContext) {
    if (ctx.user) return { url: homeOf(ctx.user) };
    if (await this.setup.needsSetup()) return { url: '/setup' };
    return { url: '/login' };
  }

  @Public()
  @Get('login')
  @Render('auth/login')
  async loginPage(@Ctx() ctx: RequestContext, @Query('next') next: string) {
    if (ctx.user) throw new RedirectTo(safeNext(next, homeOf(ctx.user)));
    return { next: safeNext(next, ''), values: {}, errors: {}, needsSetup: await this.setup.needsSetup() };
  }

  @Public()
  @Post('login')
  @FormView('auth/login')
  @Redirect('/', 303)
  async login(@Body() body: Form, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) res: Response) {
    const { token, user } = await this.auth.login(body.email ?? '', body.password ?? '', client(ctx));
    // The old session (if any) ends: a new id at every login defeats session fixation.
    if (ctx.session) await this.auth.logout(ctx.session.id);
    this.startSessionCookie(res, token);
    return { url: safeNext(body.next, homeOf(user)) };
  }

  @Public()
  @Post('logout')
  @Redirect('/login', 303)
  async logout(@Ctx() ctx: RequestContext, @Res({ passthrough: true }) res: Response) {
    if (ctx.session) await this.auth.logout(ctx.session.id);
    this.context.clearSessionCookie(res);
    return { url: '/login?notice=logged_out' };
  }

  @Public()
  @Get('setup')
  @Render('auth/setup')
  async setupPage() {
    // Done already: someone following an old link or the README wants to log in, not a 404.
    if (!(await this.setup.needsSetup())) throw new RedirectTo('/login?notice=setup_done');
    return { values: {}, errors: {} };
  }

  @Public()
  @Post('setup')
  @FormView('auth/setup')
  @Redirect('/admin', 303)
  async doSetup(@Body() body: Form, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) res: Response) {
    if (!(await this.setup.needsSetup())) throw AppError.notFound('setup');
    const owner = await this.setup.createOwner(
      {
        email: body.email ?? '',
        name: body.name ?? '',
        password: body.password ?? '',
        confirm: body.confirm ?? '',
        locale: isLocale(body.locale) ? body.locale : ctx.locale,
      },
      ctx.ip,
    );
    const { token } = await this.auth.login(owner.email, body.password ?? '', client(ctx));
    this.startSessionCookie(res, token);
    return { url: '/admin?notice=welcome' };
  }

  @Public()
  @Get('password/forgot')
  @Render('auth/forgot')
  forgotPage() {
    return { values: {}, errors: {} };
  }

  @Public()
  @Post('password/forgot')
  @HttpCode(200)
  @FormView('auth/forgot')
  @Render('auth/forgot-sent')
  async forgot(@Body() body: Form, @Ctx() ctx: RequestContext) {
    await this.auth.requestPasswordReset(body.email ?? '', client(ctx));
    return {};
  }

  /** The token is in the URL: the page must not be kept by a browser or proxy cache (nor its error page). */
  @Public()
  @Get('password/reset/:token')
  @Header('Cache-Control', 'no-store')
  @Render('auth/reset')
  async resetPage(@Param('token') token: string) {
    const kind = await this.auth.usableLinkKind(token);
    return { token, valid: kind !== null, welcome: kind === 'welcome', values: {}, errors: {} };
  }

  /** A new password logs the person in, in a new session (whoever was logged in in this browser is logged out). */
  @Public()
  @Post('password/reset/:token')
  @Header('Cache-Control', 'no-store')
  @FormView('auth/reset')
  @Redirect('/login?notice=password_reset', 303)
  async reset(@Param('token') token: string, @Body() body: Form, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) res: Response) {
    const { user, sessionToken } = await this.auth.resetPassword(token, body.password ?? '', body.confirm ?? '', client(ctx));
    if (!sessionToken) return { url: '/login?notice=password_reset' };
    if (ctx.session) await this.auth.logout(ctx.session.id);
    this.startSessionCookie(res, sessionToken);
    return { url: `${homeOf(user)}?notice=password_set` };
  }

  /** Language switch: remembered in a cookie, and on the account when logged in. */
  @Public()
  @Post('locale')
  @Redirect('/', 303)
  async setLocale(@Body() body: Form, @Ctx() ctx: RequestContext, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    if (!isLocale(body.locale)) throw AppError.validation({ locale: 'errors.locale_invalid' });
    res.cookie(LANG_COOKIE, body.locale, { ...this.context.cookieOptions(), httpOnly: false, maxAge: 365 * 86400_000 });
    if (ctx.user) await this.users.setLocale(ctx.user.id, body.locale);
    return { url: safeNext(body.back, '') || this.sameSiteReferer(req) };
  }

  private sameSiteReferer(req: Request): string {
    try {
      const ref = new URL(String(req.headers.referer ?? ''));
      return ref.host === new URL(this.config.appUrl).host || ref.host === req.headers.host ? safeNext(ref.pathname + ref.search, '/') : '/';
    } catch {
      return '/';
    }
  }

  private startSessionCookie(res: Response, token: string): void {
    const opts = this.context.cookieOptions();
    res.cookie(SESSION_COOKIE, token, { ...opts, maxAge: this.config.sessionTtlDays * 86400_000 });
    // A fresh CSRF seed too, so nothing issued before login stays valid after it.
    res.clearCookie(CSRF_COOKIE, opts);
  }
}
