import { Controller, Get, Param, Post, Query, Redirect, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor } from '../audit/actor';
import { AuthService } from '../auth/auth.service';
import { SessionsService } from '../auth/sessions.service';
import { Ctx, CurrentActor, Roles } from '../common/http/decorators';
import { pagerLinks, parseId, parsePage } from '../common/http/pagination';
import { RequestContext } from '../common/http/request-context';
import { STAFF_ROLES } from './entities/user.entity';
import { AdminUsersService } from './admin-users.service';

type Q = Record<string, string | undefined>;

/** Staff and clients as people with accounts: the list, one person's sessions, ending them. */
@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin/users')
export class UsersController {
  constructor(
    private readonly users: AdminUsersService,
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
  ) {}

  @Get()
  @Render('admin/users')
  async userList(@Query() q: Q) {
    const page = parsePage(q, 50);
    const res = await this.users.list(q.role, page);
    return { ...res, q, pager: pagerLinks(res.total, page, q) };
  }

  @Get(':id')
  @Render('admin/user-show')
  async userShow(@Param('id') id: string) {
    const user = await this.users.get(parseId(id, 'user'));
    return { user, sessions: await this.sessions.list(user.id) };
  }

  @Post(':id/end-sessions')
  @Redirect('/admin/users', 303)
  async endSessions(@Param('id') id: string, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const userId = parseId(id, 'user');
    await this.users.assertCanManage(ctx.user!, userId);
    await this.auth.endAllSessions(actor, userId, userId === ctx.user!.id ? ctx.session!.id : undefined);
    return { url: `/admin/users/${userId}?notice=sessions_ended` };
  }
}
