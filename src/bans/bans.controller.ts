import { Body, Controller, Get, Param, Post, Query, Redirect, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor } from '../audit/actor';
import { Ctx, CurrentActor, FormView, Roles } from '../common/http/decorators';
import { pagerLinks, parseId, parsePage } from '../common/http/pagination';
import { RequestContext } from '../common/http/request-context';
import { STAFF_ROLES } from '../users/entities/user.entity';
import { parseBanState, parseExpiry } from './ban-input';
import { BansService } from './bans.service';
import { AppError } from '../common/errors/app-error';

type Q = Record<string, string | undefined>;

const canManage = (ctx: RequestContext) => ctx.user!.role === 'owner' || ctx.user!.role === 'admin';

/** Admin → Bans: staff see them; owners and admins ban and lift. */
@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin/bans')
export class BansController {
  constructor(private readonly bans: BansService) {}

  @Get()
  @Render('bans/list')
  async list(@Query() q: Q, @Ctx() ctx: RequestContext) {
    const page = parsePage(q, 50);
    const state = parseBanState(q.state);
    const res = await this.bans.search({ state, q: q.q?.trim() || undefined }, page);
    const done = q.done === 'banned' || q.done === 'lifted' ? q.done : null;
    return { ...res, q, state: state ?? 'all', done, canManage: canManage(ctx), pager: pagerLinks(res.total, page, q) };
  }

  @Get('new')
  @Roles('owner', 'admin')
  @Render('bans/new')
  newForm(@Query() q: Q) {
    return { values: { target: (q.target ?? '').slice(0, 254) }, errors: {} };
  }

  @Post()
  @Roles('owner', 'admin')
  @FormView('bans/new')
  @Redirect('/admin/bans', 303)
  async create(@Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    ctx.formModel = async () => ({});
    // One field: an address bans that identity, anything without an @ is a domain.
    const target = (body.target ?? '').trim();
    const { ban } = await onTargetField(() =>
      this.bans.banNow(actor, {
        ...(target.includes('@') ? { email: target } : { domain: target }),
        reason: body.reason ?? '',
        expiresAt: parseExpiry(body.expiresAt, ctx.timeZone),
      }),
    );
    return { url: `/admin/bans/${ban.id}?done=banned` };
  }

  @Get(':id')
  @Render('bans/show')
  async show(@Param('id') id: string, @Query() q: Q, @Ctx() ctx: RequestContext) {
    const res = await this.bans.show(parseId(id, 'ban'));
    return { ...res, canManage: canManage(ctx), done: q.done === 'banned' || q.done === 'lifted' ? q.done : null, values: {}, errors: {} };
  }

  @Post(':id/lift')
  @Roles('owner', 'admin')
  @FormView('bans/show')
  @Redirect('/admin/bans', 303)
  async lift(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const banId = parseId(id, 'ban');
    ctx.formModel = async () => ({ ...(await this.bans.show(banId)), canManage: canManage(ctx) });
    await this.bans.liftNow(actor, banId, body.liftReason ?? '');
    return { url: `/admin/bans/${banId}?done=lifted` };
  }
}

/** The service names the address or the domain field; the form has one field for both. */
async function onTargetField<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof AppError) || !(e.fields.email || e.fields.domain)) throw e;
    const { email, domain, ...rest } = e.fields;
    throw new AppError(e.kind, e.code, e.message, { ...rest, target: (email ?? domain)! }, e.details);
  }
}
