import { Body, Controller, Get, Post, Redirect, Render, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthService } from './auth.service';
import { SessionsService } from './sessions.service';
import { ContextMiddleware } from '../common/http/context.middleware';
import { Ctx, CurrentActor, FormView, Roles } from '../common/http/decorators';
import { RequestContext } from '../common/http/request-context';
import { Actor } from '../audit/actor';
import { Role, STAFF_ROLES } from '../users/entities/user.entity';
import { UsersService } from '../users/users.service';
import { SettingsService } from '../settings/settings.service';
import { timeZoneNames } from '../settings/site-settings';

type Form = Record<string, string | undefined>;

/**
 * Password, sessions and "log out everywhere" for whoever is logged in. Clients reach the page inside /account,
 * staff inside /admin: one controller class per place, made by this one function, so both share every handler.
 */
function securityPages(base: string, roles: readonly Role[]) {
  @ApiExcludeController()
  @Roles(...roles)
  @Controller(base.slice(1))
  class SecurityPages {
    constructor(
      private readonly auth: AuthService,
      private readonly sessions: SessionsService,
      private readonly context: ContextMiddleware,
      private readonly users: UsersService,
      private readonly settings: SettingsService,
    ) {}

    @Get()
    @Render('profile/security')
    page(@Ctx() ctx: RequestContext) {
      return this.model(ctx);
    }

    @Post('password')
    @FormView('profile/security')
    @Redirect(base, 303)
    async password(@Body() body: Form, @Ctx() ctx: RequestContext) {
      ctx.formModel = () => this.model(ctx);
      await this.auth.changePassword(ctx.user!, ctx.session!.id, body.current ?? '', body.password ?? '', body.confirm ?? '', {
        ip: ctx.ip,
        userAgent: ctx.userAgent,
        locale: ctx.locale,
      });
      return { url: `${base}?notice=password_changed` };
    }

    @Post('time-zone')
    @FormView('profile/security')
    @Redirect(base, 303)
    async timeZone(@Body() body: Form, @Ctx() ctx: RequestContext) {
      ctx.formModel = () => this.model(ctx);
      await this.users.setTimeZone(ctx.user!.id, body.timeZone);
      return { url: `${base}?notice=time_zone_saved` };
    }

    @Post('logout-everywhere')
    @Redirect('/login', 303)
    async everywhere(@Ctx() ctx: RequestContext, @CurrentActor() actor: Actor, @Res({ passthrough: true }) res: Response) {
      await this.auth.endAllSessions(actor, ctx.user!.id);
      this.context.clearSessionCookie(res);
      return { url: '/login?notice=logged_out_everywhere' };
    }

    private async model(ctx: RequestContext) {
      const [sessions, site] = await Promise.all([this.sessions.list(ctx.user!.id, ctx.session!.id), this.settings.current()]);
      return {
        base,
        sessions,
        values: {},
        errors: {},
        // '' = the site zone, which follows the owner's setting
        zoneValues: { timeZone: ctx.user!.timeZone ?? '' },
        siteZone: site.timeZone,
        timeZones: timeZoneNames().map((z) => ({ value: z, label: z.replace(/_/g, ' ') })),
      };
    }
  }
  return SecurityPages;
}

export const AccountSecurityController = securityPages('/account/security', ['client']);
export const AdminProfileController = securityPages('/admin/profile', STAFF_ROLES);
