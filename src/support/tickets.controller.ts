import { Body, Controller, Get, Param, Post, Query, Redirect, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Ctx, FormView, MultipartForm, Roles } from '../common/http/decorators';
import { parseId } from '../common/http/pagination';
import { RequestContext } from '../common/http/request-context';
import { streamDownload } from '../members/client-area/file-stream';
import { TicketAttachments } from './ticket-attachments';
import { receiveTicketForm } from './ticket-form';
import { doneOf } from './ticket-input';
import { sizeLabel, TicketsService } from './tickets.service';

/** The client's tickets: list, open one, its thread, reply, close, download a file. */
@ApiExcludeController()
@Roles('client')
@Controller('account/tickets')
export class TicketsController {
  constructor(
    private readonly tickets: TicketsService,
    private readonly files: TicketAttachments,
  ) {}

  @Get()
  @Render('tickets/account-list')
  async list(@Ctx() ctx: RequestContext) {
    return { tickets: await this.tickets.list(ctx.user!.id) };
  }

  @Get('new')
  @Render('tickets/account-new')
  async newForm(@Ctx() ctx: RequestContext) {
    return { ...(await this.tickets.openForm(ctx.user!.id)), values: { type: 'support' }, errors: {} };
  }

  /** multipart/form-data (an optional file), its `_csrf` field checked as the body is read. */
  @Post()
  @MultipartForm()
  @FormView('tickets/account-new')
  @Redirect('/account/tickets', 303)
  async open(@Req() req: Request, @Ctx() ctx: RequestContext) {
    const clientId = ctx.user!.id;
    ctx.formModel = () => this.tickets.openForm(clientId);
    const id = await receiveTicketForm(req, this.files, (fields, upload) => this.tickets.open(clientId, fields, upload));
    return { url: `/account/tickets/${id.id}?done=ticket_opened` };
  }

  @Get('files/:id')
  async download(@Param('id') id: string, @Ctx() ctx: RequestContext, @Req() req: Request, @Res() res: Response) {
    await streamDownload(req, res, await this.tickets.attachmentForClient(ctx.user!.id, parseId(id, 'file')));
  }

  @Get(':id')
  @Render('tickets/account-show')
  async show(@Param('id') id: string, @Query('done') done: string | undefined, @Ctx() ctx: RequestContext) {
    return { ticket: await this.tickets.show(ctx.user!.id, parseId(id, 'ticket')), maxFileLabel: sizeLabel(this.files.maxBytes), done: doneOf(done), values: {}, errors: {} };
  }

  @Post(':id/reply')
  @MultipartForm()
  @FormView('tickets/account-show')
  @Redirect('/account/tickets', 303)
  async reply(@Param('id') id: string, @Req() req: Request, @Ctx() ctx: RequestContext) {
    const clientId = ctx.user!.id;
    const ticketId = parseId(id, 'ticket');
    ctx.formModel = async () => ({ ticket: await this.tickets.show(clientId, ticketId), maxFileLabel: sizeLabel(this.files.maxBytes) });
    const landed = await receiveTicketForm(req, this.files, (fields, upload) => this.tickets.reply(clientId, ticketId, fields, upload));
    return { url: `/account/tickets/${landed.id}?done=${landed.id === ticketId ? 'reply_sent' : 'ticket_linked'}#latest` };
  }

  @Post(':id/close')
  @Redirect('/account/tickets', 303)
  async close(@Param('id') id: string, @Body() _body: Record<string, string | undefined>, @Ctx() ctx: RequestContext) {
    const ticketId = parseId(id, 'ticket');
    await this.tickets.close(ctx.user!.id, ticketId);
    return { url: `/account/tickets/${ticketId}?done=ticket_closed` };
  }
}
