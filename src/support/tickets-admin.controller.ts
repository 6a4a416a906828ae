import { Body, Controller, Get, Param, Post, Query, Redirect, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Actor } from '../audit/actor';
import { Ctx, CurrentActor, FormView, MultipartForm, Roles } from '../common/http/decorators';
import { pagerLinks, parseId, parsePage } from '../common/http/pagination';
import { RequestContext } from '../common/http/request-context';
import { streamDownload } from '../members/client-area/file-stream';
import { ProductsRepository } from '../members/catalogue/products.repository';
import { STAFF_ROLES } from '../users/entities/user.entity';
import { CannedRepliesService } from './canned-replies.service';
import { TICKET_PRIORITIES, TICKET_STATUSES } from './entities/ticket.entity';
import { TicketAttachments } from './ticket-attachments';
import { receiveStaffForm } from './ticket-form';
import { doneOf } from './ticket-input';
import { sizeLabel } from './tickets.service';
import { parseInboxQuery, TicketsStaffService } from './tickets-staff.service';

type Q = Record<string, string | undefined>;

/** Staff pages: the inbox, a ticket's page with its forms, canned replies. */
@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin/tickets')
export class TicketsAdminController {
  constructor(
    private readonly staff: TicketsStaffService,
    private readonly canned: CannedRepliesService,
    private readonly products: ProductsRepository,
    private readonly files: TicketAttachments,
  ) {}

  @Get()
  @Render('tickets/admin-inbox')
  async inbox(@Query() q: Q) {
    const query = parseInboxQuery(q);
    const page = parsePage(q, 50);
    const [res, staff, products] = await Promise.all([this.staff.inbox(query, page), this.staff.staffOptions(), this.products.listPage({ limit: 200, offset: 0 })]);
    const keep = Object.fromEntries(Object.entries(q).filter(([k, v]) => k !== 'offset' && k !== 'limit' && v));
    return {
      ...res,
      q: { ...q, status: query.status, sort: query.sort },
      statusTabs: ['active', ...TICKET_STATUSES, 'all'].map((s) => ({
        status: s,
        count: res.counts[s as keyof typeof res.counts],
        href: `?${new URLSearchParams({ ...keep, status: s }).toString()}`,
        current: s === query.status,
      })),
      staff,
      products: products[0].map((p) => ({ id: p.id, title: p.title })),
      pager: pagerLinks(res.total, page, q),
    };
  }

  @Get('canned')
  @Render('tickets/admin-canned')
  async cannedList(@Query('done') done: string | undefined) {
    return { items: await this.canned.list(), variables: this.canned.variables, done: doneOf(done), values: {}, errors: {} };
  }

  @Post('canned')
  @FormView('tickets/admin-canned')
  @Redirect('/admin/tickets/canned', 303)
  async cannedCreate(@Body() body: Q, @Ctx() ctx: RequestContext) {
    ctx.formModel = async () => ({ items: await this.canned.list(), variables: this.canned.variables });
    await this.canned.create(body);
    return { url: '/admin/tickets/canned?done=canned_saved' };
  }

  @Get('canned/:id')
  @Render('tickets/admin-canned-edit')
  async cannedEdit(@Param('id') id: string) {
    const c = await this.canned.get(parseId(id, 'canned reply'));
    return { canned: c, variables: this.canned.variables, values: c, errors: {} };
  }

  @Post('canned/:id')
  @FormView('tickets/admin-canned-edit')
  @Redirect('/admin/tickets/canned', 303)
  async cannedUpdate(@Param('id') id: string, @Body() body: Q, @Ctx() ctx: RequestContext) {
    const cannedId = parseId(id, 'canned reply');
    ctx.formModel = async () => ({ canned: await this.canned.get(cannedId), variables: this.canned.variables });
    await this.canned.update(cannedId, body);
    return { url: '/admin/tickets/canned?done=canned_saved' };
  }

  @Post('canned/:id/delete')
  @Redirect('/admin/tickets/canned', 303)
  async cannedDelete(@Param('id') id: string, @Body() _body: Q) {
    await this.canned.delete(parseId(id, 'canned reply'));
    return { url: '/admin/tickets/canned?done=canned_deleted' };
  }

  @Get('files/:id')
  async download(@Param('id') id: string, @Req() req: Request, @Res() res: Response) {
    await streamDownload(req, res, await this.staff.attachment(parseId(id, 'file')));
  }

  @Get(':id')
  @Render('tickets/admin-show')
  async show(@Param('id') id: string, @Query() q: Q) {
    const ticketId = parseId(id, 'ticket');
    const cannedId = q.canned ? parseId(q.canned, 'canned reply') : null;
    const model = await this.page(ticketId);
    const body = cannedId ? await this.staff.cannedFor(ticketId, cannedId) : '';
    return { ...model, done: doneOf(q.done), values: { body }, errors: {} };
  }

  /**
   * multipart/form-data (an optional file, as on the client's form; its `_csrf` field checked as the body is read),
   * or a plain form without a file.
   */
  @Post(':id/reply')
  @MultipartForm()
  @FormView('tickets/admin-show')
  @Redirect('/admin/tickets', 303)
  async reply(@Param('id') id: string, @Req() req: Request, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const ticketId = parseId(id, 'ticket');
    ctx.formModel = () => this.page(ticketId);
    await receiveStaffForm(req, this.files, (fields, upload) => this.staff.reply(actor, ticketId, fields, upload));
    return { url: `/admin/tickets/${ticketId}?done=reply_sent#latest` };
  }

  @Post(':id/note')
  @MultipartForm()
  @FormView('tickets/admin-show')
  @Redirect('/admin/tickets', 303)
  async note(@Param('id') id: string, @Req() req: Request, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const ticketId = parseId(id, 'ticket');
    ctx.formModel = async () => ({ ...(await this.page(ticketId)), noteForm: true });
    await receiveStaffForm(req, this.files, (fields, upload) => this.staff.note(actor, ticketId, fields, upload));
    return { url: `/admin/tickets/${ticketId}?done=note_added#latest` };
  }

  @Post(':id/update')
  @FormView('tickets/admin-show')
  @Redirect('/admin/tickets', 303)
  async update(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const ticketId = parseId(id, 'ticket');
    ctx.formModel = () => this.page(ticketId);
    await this.staff.update(actor, ticketId, { status: body.status, priority: body.priority, assigneeId: body.assigneeId === undefined ? undefined : body.assigneeId || null });
    return { url: `/admin/tickets/${ticketId}?done=ticket_updated` };
  }

  @Post(':id/convert')
  @FormView('tickets/admin-show')
  @Redirect('/admin/tickets', 303)
  async convert(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const ticketId = parseId(id, 'ticket');
    ctx.formModel = () => this.page(ticketId);
    await this.staff.convertToConsultation(actor, ticketId, body);
    return { url: `/admin/tickets/${ticketId}?done=ticket_converted#latest` };
  }

  private async page(ticketId: number) {
    const [ticket, staff, canned] = await Promise.all([this.staff.show(ticketId), this.staff.staffOptions(), this.canned.list()]);
    return { ticket, staff, canned, statuses: TICKET_STATUSES, priorities: TICKET_PRIORITIES, maxFileLabel: sizeLabel(this.files.maxBytes) };
  }
}
