import { Body, Controller, Get, HttpCode, Param, Post, Query, Redirect, Render, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Actor } from '../audit/actor';
import { Ctx, CurrentActor, FormView, MultipartForm, Roles } from '../common/http/decorators';
import { withMultipartForm } from '../common/http/multipart-upload';
import { pagerLinks, parseId, parsePage } from '../common/http/pagination';
import { parseSort, sortBase, sortParam } from '../common/http/sorting';
import { RequestContext } from '../common/http/request-context';
import { RefundsService } from '../members/orders/refunds/refunds.service';
import { STAFF_ROLES } from '../users/entities/user.entity';
import { ClientAccessService } from './client-access.service';
import { CLIENT_SORT_KEYS, ClientFilter } from './clients.repository';
import { ClientsImportService } from './clients-import.service';
import { StagingOwner } from './import-staging';
import { ClientsService } from './clients.service';
import { newClientFromForm } from './dto/new-client.form';

type Q = Record<string, string | undefined>;

/** The list's query string, ignoring what does not parse (a filter link should never be an error page). */
function filterFrom(q: Q): ClientFilter {
  const id = (v: string | undefined) => (v && /^\d{1,9}$/.test(v) ? Number(v) : undefined);
  return {
    search: q.q?.trim().slice(0, 200) || undefined,
    productId: id(q.product),
    labelId: id(q.label),
    status: q.status === 'active' || q.status === 'expired' ? q.status : undefined,
    sort: parseSort(q.sort, CLIENT_SORT_KEYS, { key: 'created', desc: true }),
  };
}

const checked = (v: string | undefined) => v === 'on' || v === '1' || v === 'true';

/** A kept import file belongs to the admin and the session that uploaded it. */
function stagingOwner(ctx: RequestContext): StagingOwner {
  return { userId: ctx.user!.id, sessionId: ctx.session!.id };
}

@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin/clients')
export class ClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly access: ClientAccessService,
    private readonly importer: ClientsImportService,
    private readonly refunds: RefundsService,
  ) {}

  @Get()
  @Render('clients/list')
  async list(@Query() q: Q) {
    const page = parsePage(q, 50);
    const filter = filterFrom(q);
    const [res, options, followUps] = await Promise.all([this.clients.list(filter, page), this.clients.filterOptions(), this.clients.dueFollowUps()]);
    return { ...res, ...options, followUps, q, sort: sortParam(filter.sort!), sortBase: sortBase(q), pager: pagerLinks(res.total, page, q) };
  }

  @Get('import')
  @Render('clients/import')
  importForm() {
    return { report: null };
  }

  @Post('import')
  @MultipartForm()
  @HttpCode(200)
  @FormView('clients/import')
  @Render('clients/import')
  async importRun(@Req() req: Request, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    return { report: await withMultipartForm(req, (form) => this.importer.run(actor, stagingOwner(ctx), form, ctx.timeZone)) };
  }

  /** "Import these rows": the file of the dry run just shown, by its token. */
  @Post('import/run')
  @HttpCode(200)
  @FormView('clients/import')
  @Render('clients/import')
  async importStaged(@Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    ctx.formModel = async () => ({ report: null });
    return { report: await this.importer.runStaged(actor, stagingOwner(ctx), body.token, checked(body.welcome), ctx.timeZone) };
  }

  @Get('new')
  @Render('clients/new')
  async newForm(@Ctx() ctx: RequestContext) {
    return { ...(await this.clients.newClientForm()), values: { welcome: 'on', locale: ctx.locale } };
  }

  @Post()
  @FormView('clients/new')
  @Redirect('/admin/clients', 303)
  async create(@Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    ctx.formModel = () => this.clients.newClientForm();
    const input = newClientFromForm(body);
    const client = await this.clients.create(actor, input, 'admin', ctx.timeZone);
    return { url: `/admin/clients/${client.id}?done=${input.welcome ? 'client_added_welcome' : 'client_added'}` };
  }

  @Post(':id/welcome')
  @Redirect('/admin/clients', 303)
  async resendWelcome(@Param('id') id: string, @CurrentActor() actor: Actor) {
    const clientId = parseId(id, 'client');
    await this.clients.resendWelcome(actor, clientId);
    return { url: `/admin/clients/${clientId}?done=welcome_sent` };
  }

  @Get(':id')
  @Render('clients/show')
  async show(@Param('id') id: string, @Query('done') done?: string) {
    return { ...(await this.clients.page(parseId(id, 'client'))), done: done && /^[a-z_]{1,30}$/.test(done) ? done : null };
  }

  @Post(':id/notes')
  @FormView('clients/show')
  @Redirect('/admin/clients', 303)
  async addNote(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const clientId = parseId(id, 'client');
    ctx.formModel = () => this.clients.page(clientId);
    await this.clients.addNote(actor, clientId, body.body);
    return { url: `/admin/clients/${clientId}?done=note_added#notes` };
  }

  /** A manual refund made in the owner's payment system: confirmed with its reference there, or marked failed. */
  @Roles('owner', 'admin')
  @Post(':id/refunds/:refundId/confirm')
  @FormView('clients/show')
  @Redirect('/admin/clients', 303)
  async confirmRefund(@Param('id') id: string, @Param('refundId') refundId: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const clientId = parseId(id, 'client');
    ctx.formModel = () => this.clients.page(clientId);
    await this.refunds.confirmManual(parseId(refundId, 'refund'), body.reference ?? '', actor, clientId);
    return { url: `/admin/clients/${clientId}#orders` };
  }

  @Roles('owner', 'admin')
  @Post(':id/refunds/:refundId/fail')
  @FormView('clients/show')
  @Redirect('/admin/clients', 303)
  async failRefund(@Param('id') id: string, @Param('refundId') refundId: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const clientId = parseId(id, 'client');
    ctx.formModel = () => this.clients.page(clientId);
    await this.refunds.failManual(parseId(refundId, 'refund'), body.reason ?? '', actor, clientId);
    return { url: `/admin/clients/${clientId}#orders` };
  }

  @Post(':id/labels')
  @FormView('clients/show')
  @Redirect('/admin/clients', 303)
  async addLabel(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const clientId = parseId(id, 'client');
    ctx.formModel = () => this.clients.page(clientId);
    await this.clients.addLabel(actor, clientId, body.label);
    return { url: `/admin/clients/${clientId}#labels` };
  }

  @Post(':id/labels/:labelId/remove')
  @Redirect('/admin/clients', 303)
  async removeLabel(@Param('id') id: string, @Param('labelId') labelId: string, @CurrentActor() actor: Actor) {
    const clientId = parseId(id, 'client');
    await this.clients.removeLabel(actor, clientId, parseId(labelId, 'label'));
    return { url: `/admin/clients/${clientId}#labels` };
  }

  @Post(':id/grants')
  @FormView('clients/show')
  @Redirect('/admin/clients', 303)
  async grant(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const clientId = parseId(id, 'client');
    ctx.formModel = () => this.clients.page(clientId);
    await this.access.grant(actor, clientId, { productId: body.productId, endsAt: body.endsAt ?? '', forever: checked(body.forever), reason: body.reason, timeZone: ctx.timeZone });
    return { url: `/admin/clients/${clientId}?done=access_granted#grants` };
  }

  @Post(':id/grants/:grantId/extend')
  @FormView('clients/show')
  @Redirect('/admin/clients', 303)
  async extend(@Param('id') id: string, @Param('grantId') grantId: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const clientId = parseId(id, 'client');
    ctx.formModel = () => this.clients.page(clientId);
    await this.access.extend(actor, clientId, parseId(grantId, 'grant'), { endsAt: body.endsAt ?? '', forever: checked(body.forever), reason: body.reason, timeZone: ctx.timeZone });
    return { url: `/admin/clients/${clientId}?done=access_extended#grants` };
  }

  @Post(':id/grants/:grantId/revoke')
  @FormView('clients/show')
  @Redirect('/admin/clients', 303)
  async revoke(@Param('id') id: string, @Param('grantId') grantId: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const clientId = parseId(id, 'client');
    ctx.formModel = () => this.clients.page(clientId);
    await this.access.revoke(actor, clientId, parseId(grantId, 'grant'), body.reason);
    return { url: `/admin/clients/${clientId}?done=access_revoked#grants` };
  }
}
