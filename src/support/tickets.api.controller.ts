import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Actor } from '../audit/actor';
import { ApiKeyAuth } from '../common/http/api-key-auth';
import { CurrentActor } from '../common/http/decorators';
import { parseId, parsePage } from '../common/http/pagination';
import { TICKET_STATUSES } from './entities/ticket.entity';
import { TicketDetailResponse, TicketListResponse, TicketMessageDto, TicketMetricsResponse, TicketResponse, UpdateTicketDto } from './dto/tickets.dto';
import { FieldErrors, optionalIdOf } from './ticket-input';
import { TicketMetricsService } from './ticket-metrics.service';
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
    firstResponseSeconds: t.firstResponseSeconds,
    resolutionSeconds: t.resolutionSeconds,
  };
}

function toDetail(t: StaffTicketView): TicketDetailResponse {
  return {
    ...toResponse(t),
    minutesTotal: t.minutesTotal,
    messages: t.messages.map((m) => ({ id: m.id, kind: m.kind, authorId: m.authorId, body: m.body, minutes: m.minutes, messageId: m.messageId, createdAt: m.createdAt })),
  };
}

@ApiTags('support')
@ApiKeyAuth()
@Controller('api/admin/tickets')
export class TicketsApiController {
  constructor(
    private readonly staff: TicketsStaffService,
    private readonly metrics: TicketMetricsService,
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

  @Get('metrics')
  @ApiOperation({
    summary: 'Ticket metrics: median first response, open tickets, staff minutes — overall (a recent window) or for one client',
  })
  @ApiQuery({ name: 'clientId', required: false, type: Number, description: 'one client’s figures over all their tickets; without it, every ticket over the last windowDays days' })
  @ApiOkResponse({ type: TicketMetricsResponse })
  async metricsSummary(@Query() q: Record<string, string | undefined>): Promise<TicketMetricsResponse> {
    const e = new FieldErrors();
    const clientId = optionalIdOf(q.clientId, e, 'clientId');
    e.throwIfAny();
    const s = await this.metrics.summary(clientId ?? undefined);
    return {
      scope: s.scope,
      clientId: s.clientId,
      windowDays: s.windowDays,
      sampleCap: s.sampleCap,
      medianFirstResponseSeconds: s.medianFirstResponseSeconds,
      answered: s.answered,
      open: s.open,
      minutesSpent: s.minutesSpent,
      businessHours: s.businessHours,
      computedAt: s.computedAt,
    };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a ticket with its whole thread, internal notes included' })
  @ApiOkResponse({ type: TicketDetailResponse })
  async get(@Param('id') id: string): Promise<TicketDetailResponse> {
    return toDetail(await this.staff.show(parseId(id, 'ticket')));
  }

  @Post(':id/messages')
  @HttpCode(201)
  @ApiOperation({ summary: 'Reply to the client (mailed) or add an internal note, with minutes spent' })
  @ApiOkResponse({ type: TicketDetailResponse })
  async addMessage(@Param('id') id: string, @Body() dto: TicketMessageDto, @CurrentActor() actor: Actor): Promise<TicketDetailResponse> {
    const ticketId = parseId(id, 'ticket');
    if (dto.kind === 'reply') await this.staff.reply(actor, ticketId, { body: dto.body, minutes: dto.minutes, status: dto.status });
    else await this.staff.note(actor, ticketId, { body: dto.body, minutes: dto.minutes });
    return toDetail(await this.staff.show(ticketId));
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
