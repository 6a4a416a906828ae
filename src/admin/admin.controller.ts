import { Body, Controller, Get, Param, Post, Query, Redirect, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { AuthService } from '../auth/auth.service';
import { SessionsService } from '../auth/sessions.service';
import { Ctx, CurrentActor, FormView, Roles } from '../common/http/decorators';
import { pagerLinks, parseId, parsePage } from '../common/http/pagination';
import { RequestContext } from '../common/http/request-context';
import { OutboxService } from '../mail/outbox.service';
import { STAFF_ROLES } from '../users/entities/user.entity';
import { AdminUsersService } from './admin-users.service';

type Q = Record<string, string | undefined>;

function parseDay(v: string | undefined, endOfDay = false): Date | undefined {
  if (!v || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return undefined;
  const d = new Date(`${v}T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return undefined;
  return endOfDay ? new Date(d.getTime() + 86400_000) : d;
}

@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin')
export class AdminController {
  constructor(
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly users: AdminUsersService,
    private readonly auth: AuthService,
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  @Get()
  @Render('admin/home')
  async home() {
    return { stats: await this.users.dashboard() };
  }

  @Get('outbox')
  @Render('admin/outbox-list')
  async outboxList(@Query() q: Q) {
    const page = parsePage(q, 50);
    const res = await this.outbox.list(q, page);
    return { ...res, q, pager: pagerLinks(res.total, page, q) };
  }

  @Get('outbox/:id')
  @Render('admin/outbox-show')
  async outboxShow(@Param('id') id: string, @Query('view') view: string) {
    return { m: await this.outbox.get(parseId(id, 'message')), view: ['html', 'text', 'headers'].includes(view) ? view : 'html' };
  }

  @Post('outbox/:id/retry')
  @Redirect('/admin/outbox', 303)
  async outboxRetry(@Param('id') id: string) {
    await this.outbox.retry(parseId(id, 'message'));
    return { url: `/admin/outbox/${parseId(id)}?notice=retry_queued` };
  }

  @Get('audit')
  @Render('admin/audit')
  async auditLog(@Query() q: Q) {
    const page = parsePage(q, 50);
    const res = await this.audit.search({
      action: q.action?.trim() || undefined,
      actor: q.actor?.trim() || undefined,
      subjectType: q.subjectType?.trim() || undefined,
      subjectId: q.subjectId?.trim() || undefined,
      from: parseDay(q.from),
      to: parseDay(q.to, true),
      ...page,
    });
    return { ...res, q, pager: pagerLinks(res.total, page, q) };
  }

  @Get('users')
  @Render('admin/users')
  async userList(@Query() q: Q) {
    const page = parsePage(q, 50);
    const res = await this.users.list(q.role, page);
    return { ...res, q, pager: pagerLinks(res.total, page, q) };
  }

  @Get('users/:id')
  @Render('admin/user-show')
  async userShow(@Param('id') id: string) {
    const user = await this.users.get(parseId(id, 'user'));
    return { user, sessions: await this.sessions.list(user.id) };
  }

  @Post('users/:id/end-sessions')
  @Redirect('/admin/users', 303)
  async endSessions(@Param('id') id: string, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const userId = parseId(id, 'user');
    await this.users.assertCanManage(ctx.user!, userId);
    await this.auth.endAllSessions(actor, userId, userId === ctx.user!.id ? ctx.session!.id : undefined);
    return { url: `/admin/users/${userId}?notice=sessions_ended` };
  }

  @Get('api-keys')
  @Render('admin/api-keys')
  async apiKeyList() {
    return { keys: await this.apiKeys.list(), values: {}, errors: {} };
  }

  @Post('api-keys')
  @Roles('owner', 'admin')
  @FormView('admin/api-keys')
  @Render('admin/api-keys')
  async apiKeyCreate(@Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    ctx.formModel = async () => ({ keys: await this.apiKeys.list() });
    const created = await this.apiKeys.create(actor, body.name ?? '');
    return { keys: await this.apiKeys.list(), created, values: {}, errors: {} };
  }

  @Post('api-keys/:id/revoke')
  @Roles('owner', 'admin')
  @Redirect('/admin/api-keys', 303)
  async apiKeyRevoke(@Param('id') id: string, @CurrentActor() actor: Actor) {
    await this.apiKeys.revoke(actor, parseId(id, 'api_key'));
    return { url: '/admin/api-keys?notice=api_key_revoked' };
  }
}
