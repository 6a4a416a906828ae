import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Actor } from '../audit/actor';
import { ApiKeyAuth } from '../common/http/api-key-auth';
import { AppError } from '../common/errors/app-error';
import { CurrentActor } from '../common/http/decorators';
import { InputPipe } from '../common/http/input.pipe';
import { parseId, parsePage } from '../common/http/pagination';
import { TICKET_STATUSES } from './entities/ticket.entity';
import { TicketDetailResponse, TicketListResponse, TicketMessageDto, TicketMessageFormDto, TicketResponse, UpdateTicketDto } from './dto/tickets.dto';
import { TicketAttachments, TicketUpload } from './ticket-attachments';
import { isMultipart, receiveTicketForm } from './ticket-form';
import { parseInboxQuery, StaffTicketItem, StaffTicketView, TicketsStaffService } from './tickets-staff.service';

function toResponse(t: StaffTicketItem): TicketResponse {
  return {
    id: t.id,
    subject: t.subject,
    type: t.type,
    status: t.status,
    priority: t.priority,
    clientId: t.clientId,
    clientEmail: t.clientEmail,
    externalEmail: t.externalEmail,
    productId: t.productId,
    assigneeId: t.assigneeId,
    createdAt: t.createdAt,
    lastActivityAt: t.lastActivityAt,
    waitingSince: t.waitingSince,
    firstResponseAt: t.firstResponseAt,
    closedAt: t.closedAt,
    previousTicketId: t.previousTicketId,
  };
}

function toDetail(t: StaffTicketView): TicketDetailResponse {
  return {
    ...toResponse(t),
    minutesTotal: t.minutesTotal,
    messages: t.messages.map((m) => ({
      id: m.id,
      kind: m.kind,
      authorId: m.authorId,
      body: m.body,
      minutes: m.minutes,
      messageId: m.messageId,
      createdAt: m.createdAt,
      attachments: m.attachments.map((a) => ({ id: a.id, name: a.name, sizeBytes: a.sizeBytes })),
    })),
  };
}

/** The JSON body, through the same layer as every other route (InputPipe) since the handler reads the request itself. */
const input = new InputPipe();

@ApiTags('support')
@ApiKeyAuth()
@Controller('api/admin/tickets')
export class TicketsApiController {
  constructor(
    private readonly staff: TicketsStaffService,
    private readonly files: TicketAttachments,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List tickets (the inbox), with filters and counts per status' })
  @ApiQuery({ name: 'status', required: false, enum: ['active', 'all', ...TICKET_STATUSES], description: 'default active (not closed)' })
  @ApiQuery({ name: 'type', required: false, enum: ['support', 'consultation'] })
  @ApiQuery({ name: 'assignee', required: false, description: 'a staff user id, or none' })
  @ApiQuery({ name: 'clientId', required: false, type: Number })
  @ApiQuery({ name: 'productId', required: false, type: Number })
  @ApiQuery({ name: 'sort', required: false, enum: ['activity', 'waiting'], description: 'activity: newest first; waiting: longest client wait first' })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiOkResponse({ type: TicketListResponse })
  async list(@Query() q: Record<string, string | undefined>): Promise<TicketListResponse> {
    const res = await this.staff.inbox(parseInboxQuery(q), parsePage(q));
    return { items: res.items.map(toResponse), total: res.total, counts: res.counts };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a ticket with its whole thread, internal notes included' })
  @ApiOkResponse({ type: TicketDetailResponse })
  async get(@Param('id') id: string): Promise<TicketDetailResponse> {
    return toDetail(await this.staff.show(parseId(id, 'ticket')));
  }

  @Post(':id/messages')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Reply to the client (mailed) or add an internal note, with minutes spent',
    description:
      'JSON, or multipart/form-data with the same fields and an optional `file` (one per message, the limits of the client’s form; ' +
      'over the size limit 413, over the count per ticket 400, nothing stored). A file on a note is never shown or served to the client.',
  })
  @ApiConsumes('application/json', 'multipart/form-data')
  @ApiBody({ type: TicketMessageFormDto })
  @ApiOkResponse({ type: TicketDetailResponse })
  async addMessage(@Param('id') id: string, @Req() req: Request, @CurrentActor() actor: Actor): Promise<TicketDetailResponse> {
    const ticketId = parseId(id, 'ticket');
    if (isMultipart(req)) {
      await receiveTicketForm(req, this.files, (fields, upload) => this.add(actor, ticketId, fields, upload));
    } else {
      const dto = (await input.transform(req.body, { type: 'body', metatype: TicketMessageDto })) as TicketMessageDto;
      await this.add(actor, ticketId, dto, null);
    }
    return toDetail(await this.staff.show(ticketId));
  }

  private add(actor: Actor, ticketId: number, m: { kind?: string; body?: string; minutes?: number | string | null; status?: string }, upload: TicketUpload | null): Promise<void> {
    if (m.kind === 'reply') return this.staff.reply(actor, ticketId, { body: m.body, minutes: m.minutes, status: m.status }, upload);
    if (m.kind === 'note') return this.staff.note(actor, ticketId, { body: m.body, minutes: m.minutes }, upload);
    throw AppError.validation({ kind: 'ticket_pages.errors.kind' });
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a ticket’s status, assignee or priority' })
  @ApiOkResponse({ type: TicketDetailResponse })
  async update(@Param('id') id: string, @Body() dto: UpdateTicketDto, @CurrentActor() actor: Actor): Promise<TicketDetailResponse> {
    const ticketId = parseId(id, 'ticket');
    await this.staff.update(actor, ticketId, { status: dto.status, priority: dto.priority, assigneeId: dto.assigneeId });
    return toDetail(await this.staff.show(ticketId));
  }
}
