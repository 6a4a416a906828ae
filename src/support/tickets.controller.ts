import { Body, Controller, Get, Param, Post, Query, Redirect, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Ctx, FormView, MultipartForm, Roles } from '../common/http/decorators';
import { withTempFile } from '../common/form-upload';
import { withMultipartForm } from '../common/http/multipart-upload';
import { parseId } from '../common/http/pagination';
import { RequestContext } from '../common/http/request-context';
import { streamDownload } from '../members/client-area/file-stream';
import { TicketAttachments, TICKET_BODY_MAX, TicketUpload } from './ticket-attachments';
import { doneOf } from './ticket-input';
import { sizeLabel, TicketsService } from './tickets.service';

/** Room for a long message in a multipart form's text field. */
const FIELD_LIMITS = { fieldSize: TICKET_BODY_MAX * 4 };

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
    const id = await this.received(req, (fields, upload) => this.tickets.open(clientId, fields, upload));
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
    const landed = await this.received(req, (fields, upload) => this.tickets.reply(clientId, ticketId, fields, upload));
    return { url: `/account/tickets/${landed.id}?done=${landed.id === ticketId ? 'reply_sent' : 'ticket_linked'}#latest` };
  }

  @Post(':id/close')
  @Redirect('/account/tickets', 303)
  async close(@Param('id') id: string, @Body() _body: Record<string, string | undefined>, @Ctx() ctx: RequestContext) {
    const ticketId = parseId(id, 'ticket');
    await this.tickets.close(ctx.user!.id, ticketId);
    return { url: `/account/tickets/${ticketId}?done=ticket_closed` };
  }

  /**
   * Reads the multipart form, hands its fields and file to `fn`, and removes the temporary file afterwards. The
   * fields become the request's body so a form shown again with errors keeps what the client typed.
   */
  private received<T>(req: Request, fn: (fields: Record<string, string>, upload: TicketUpload | null) => Promise<T>): Promise<T> {
    return withMultipartForm(
      req,
      async (form) => {
        const { fields, upload } = await this.files.receive(form);
        req.body = fields;
        return withTempFile(upload?.tmpPath ?? null, () => fn(fields, upload));
      },
      FIELD_LIMITS,
    );
  }
}
