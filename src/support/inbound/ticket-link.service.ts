import { Injectable } from '@nestjs/common';
import { Actor } from '../../audit/actor';
import { isEmail, normaliseEmail } from '../../common/email';
import { AppError } from '../../common/errors/app-error';
import { Database } from '../../database/database.service';
import { STAFF_ROLES } from '../../users/entities/user.entity';
import { UsersRepository } from '../../users/users.repository';
import { TicketMailer } from '../ticket-mail';
import { TicketsRepository } from '../tickets.repository';

/**
 * "Not a client yet" → a client: a ticket opened by mail from an unknown address is linked by staff to an
 * existing client (picked by e-mail). The ticket and the messages its sender wrote move to the client's account,
 * and a system line in the thread says so (the client sees it too: it is their ticket from now on).
 */
@Injectable()
export class TicketLinkService {
  constructor(
    private readonly db: Database,
    private readonly tickets: TicketsRepository,
    private readonly users: UsersRepository,
    private readonly mailer: TicketMailer,
  ) {}

  async link(actor: Actor, ticketId: number, input: { linkEmail?: string }): Promise<void> {
    const t = await this.tickets.findTicket(ticketId);
    if (!t) throw AppError.notFound('ticket');
    if (t.clientId !== null || !t.externalEmail) throw AppError.validation({ linkEmail: 'tickets_inbound.errors.already_linked' });
    const email = normaliseEmail(input.linkEmail ?? '');
    if (!isEmail(email)) throw AppError.validation({ linkEmail: 'tickets_inbound.errors.link_email' });
    const client = await this.users.findByEmail(email);
    if (!client) throw AppError.validation({ linkEmail: 'tickets_inbound.errors.link_not_found' });
    if (STAFF_ROLES.includes(client.role)) throw AppError.validation({ linkEmail: 'tickets_inbound.errors.link_not_client' });
    const from = t.externalEmail;
    await this.db.transaction(async (m) => {
      await this.tickets.linkToClient(m, t.id, client.id, from);
      await this.tickets.insertMessage(m, {
        ticketId: t.id,
        authorId: actor.userId,
        authorEmail: null,
        kind: 'system',
        body: 'tickets_inbound.system.linked',
        minutes: null,
        messageId: this.mailer.newMessageId(),
        inReplyTo: null,
        createdAt: new Date(),
      });
    });
  }
}
