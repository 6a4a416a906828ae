import { randomBytes } from 'node:crypto';
import { Actor } from '../../src/audit/actor';
import { Ticket } from '../../src/support/entities/ticket.entity';
import { TicketsStaffService } from '../../src/support/tickets-staff.service';
import { TicketsService } from '../../src/support/tickets.service';
import type { TestHost } from '../utils/test-host';

export interface TicketOverrides {
  subject?: string;
  body?: string;
  type?: 'support' | 'consultation';
  productId?: number | null;
}

/** A ticket opened by the client through the real service (validation, first message, staff mail). */
export async function createTicket(t: TestHost, clientId: number, o: TicketOverrides = {}): Promise<Ticket> {
  const { id } = await t.app.get(TicketsService).open(
    clientId,
    {
      subject: o.subject ?? `Question ${randomBytes(3).toString('hex')}`,
      body: o.body ?? 'How do I open the second lesson?',
      type: o.type ?? 'support',
      productId: o.productId ? String(o.productId) : '',
    },
    null,
  );
  return (await t.db.manager.findOneByOrFail(Ticket, { id }))!;
}

/** A staff reply through the real service (mailed to the client). */
export async function staffReply(t: TestHost, staffId: number, ticketId: number, body = 'Here is how.', o: { minutes?: number; status?: string } = {}): Promise<void> {
  const actor: Actor = { userId: staffId, label: 'staff', ip: '' };
  await t.app.get(TicketsStaffService).reply(actor, ticketId, { body, minutes: o.minutes ?? null, status: o.status });
}

/** Moves a ticket's clock back (last activity, closed at), as if `ms` had passed. */
export async function ageTicket(t: TestHost, ticketId: number, ms: number): Promise<void> {
  const tk = await t.db.manager.findOneByOrFail(Ticket, { id: ticketId });
  const back = (d: Date | null) => (d ? new Date(d.getTime() - ms) : null);
  await t.db.transaction((m) =>
    m.update(Ticket, { id: ticketId }, { lastActivityAt: back(tk.lastActivityAt)!, closedAt: back(tk.closedAt), waitingSince: back(tk.waitingSince), createdAt: back(tk.createdAt)! }),
  );
}
