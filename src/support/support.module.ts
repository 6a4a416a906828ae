import { Module } from '@nestjs/common';
import { BansModule } from '../bans/bans.module';
import { MailModule } from '../mail/mail.module';
import { MembersModule } from '../members/members.module';
import { SettingsModule } from '../settings/settings.module';
import { UsersModule } from '../users/users.module';
import { CannedRepliesService } from './canned-replies.service';
import { TicketLinkService } from './inbound/ticket-link.service';
import { TicketMailHandler } from './inbound/ticket-mail.handler';
import { TicketAttachments } from './ticket-attachments';
import { TicketAutoClose } from './ticket-autoclose.service';
import { TicketMailer } from './ticket-mail';
import { TicketMetricsRepository } from './ticket-metrics.repository';
import { TicketMetricsService } from './ticket-metrics.service';
import { TicketsAdminController } from './tickets-admin.controller';
import { TicketsApiController } from './tickets.api.controller';
import { TicketsController } from './tickets.controller';
import { TicketsRepository } from './tickets.repository';
import { TicketsService } from './tickets.service';
import { TicketsStaffService } from './tickets-staff.service';

/**
 * Support tickets: the client's pages, the staff inbox and ticket page, the API, auto-close, and tickets by mail
 * (TicketMailHandler on the inbound listener: replies to reply+<token>@, mail to the support address).
 */
@Module({
  imports: [MailModule, MembersModule, SettingsModule, UsersModule, BansModule],
  controllers: [TicketsController, TicketsAdminController, TicketsApiController],
  providers: [TicketsRepository, TicketAttachments, TicketMailer, TicketsService, TicketsStaffService, CannedRepliesService, TicketAutoClose, TicketMailHandler, TicketLinkService, TicketMetricsRepository, TicketMetricsService],
  exports: [TicketsRepository, TicketsService, TicketsStaffService, TicketMailer, TicketAutoClose, TicketMetricsService],
})
export class SupportModule {}
