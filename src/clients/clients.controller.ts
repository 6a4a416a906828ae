import { Body, Controller, Get, HttpCode, Param, Post, Query, Redirect, Render, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Actor } from '../audit/actor';
import { Ctx, CurrentActor, FormView, MultipartForm, Roles } from '../common/http/decorators';
import { withMultipartForm } from '../common/http/multipart-upload';
import { pagerLinks, parseId, parsePage } from '../common/http/pagination';
import { parseSort, sortBase, sortParam } from '../common/http/sorting';
import { RequestContext } from '../common/http/request-context';
import { STAFF_ROLES } from '../users/entities/user.entity';
import { ClientAccessService } from './client-access.service';
import { CLIENT_SORT_KEYS, ClientFilter } from './clients.repository';
import { ClientsImportService } from './clients-import.service';
import { ClientsService } from './clients.service';

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

const forever = (v: string | undefined) => v === 'on' || v === '1' || v === 'true';

@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin/clients')
export class ClientsController {
  constructor(
    private readonly clients: ClientsService,
    private readonly access: ClientAccessService,
    private readonly importer: ClientsImportService,
  ) {}

  @Get()
  @Render('clients/list')
  async list(@Query() q: Q) {
    const page = parsePage(q, 50);
    const filter = filterFrom(q);
    const [res, options] = await Promise.all([this.clients.list(filter, page), this.clients.filterOptions()]);
    return { ...res, ...options, q, sort: sortParam(filter.sort!), sortBase: sortBase(q), pager: pagerLinks(res.total, page, q) };
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
  async importRun(@Req() req: Request, @CurrentActor() actor: Actor) {
    return { report: await withMultipartForm(req, (form) => this.importer.run(actor, form)) };
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
    await this.access.grant(actor, clientId, { productId: body.productId, endsAt: body.endsAt ?? '', forever: forever(body.forever), reason: body.reason });
    return { url: `/admin/clients/${clientId}?done=access_granted#grants` };
  }

  @Post(':id/grants/:grantId/extend')
  @FormView('clients/show')
  @Redirect('/admin/clients', 303)
  async extend(@Param('id') id: string, @Param('grantId') grantId: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const clientId = parseId(id, 'client');
    ctx.formModel = () => this.clients.page(clientId);
    await this.access.extend(actor, clientId, parseId(grantId, 'grant'), { endsAt: body.endsAt ?? '', forever: forever(body.forever), reason: body.reason });
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
