import { Body, Controller, Get, Injectable, Post, Redirect, Render, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthService } from './auth.service';
import { SessionsService } from './sessions.service';
import { ContextMiddleware } from '../common/http/context.middleware';
import { Ctx, CurrentActor, FormView, Roles } from '../common/http/decorators';
import { RequestContext } from '../common/http/request-context';
import { Actor } from '../audit/actor';
import { STAFF_ROLES } from '../users/entities/user.entity';

type Form = Record<string, string | undefined>;

/**
 * Password, sessions and "log out everywhere" for whoever is logged in. Clients reach it inside /account,
 * staff inside /admin; both share this one implementation.
 */
@Injectable() // emits the constructor's parameter types, which both subclasses inherit
abstract class ProfileControllerBase {
  protected abstract readonly base: string;

  constructor(
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly context: ContextMiddleware,
  ) {}

  protected async model(ctx: RequestContext) {
    return {
      base: this.base,
      sessions: await this.sessions.list(ctx.user!.id, ctx.session!.id),
      values: {},
      errors: {},
    };
  }

  protected async changePassword(body: Form, ctx: RequestContext) {
    ctx.formModel = () => this.model(ctx);
    await this.auth.changePassword(ctx.user!, ctx.session!.id, body.current ?? '', body.password ?? '', body.confirm ?? '', {
      ip: ctx.ip,
      userAgent: ctx.userAgent,
      locale: ctx.locale,
    });
    return { url: `${this.base}?notice=password_changed` };
  }

  protected async logoutEverywhere(ctx: RequestContext, actor: Actor, res: Response) {
    await this.auth.endAllSessions(actor, ctx.user!.id);
    this.context.clearSessionCookie(res);
    return { url: '/login?notice=logged_out_everywhere' };
  }
}

@ApiExcludeController()
@Roles('client')
@Controller('account/security')
export class AccountSecurityController extends ProfileControllerBase {
  protected readonly base = '/account/security';

  @Get()
  @Render('profile/security')
  page(@Ctx() ctx: RequestContext) {
    return this.model(ctx);
  }

  @Post('password')
  @FormView('profile/security')
  @Redirect('/account/security', 303)
  password(@Body() body: Form, @Ctx() ctx: RequestContext) {
    return this.changePassword(body, ctx);
  }

  @Post('logout-everywhere')
  @Redirect('/login', 303)
  everywhere(@Ctx() ctx: RequestContext, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    return this.logoutEverywhere(ctx, actor, res);
  }
}

@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin/profile')
export class AdminProfileController extends ProfileControllerBase {
  protected readonly base = '/admin/profile';

  @Get()
  @Render('profile/security')
  page(@Ctx() ctx: RequestContext) {
    return this.model(ctx);
  }

  @Post('password')
  @FormView('profile/security')
  @Redirect('/admin/profile', 303)
  password(@Body() body: Form, @Ctx() ctx: RequestContext) {
    return this.changePassword(body, ctx);
  }

  @Post('logout-everywhere')
  @Redirect('/login', 303)
  everywhere(@Ctx() ctx: RequestContext, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
    return this.logoutEverywhere(ctx, actor, res);
  }
}
