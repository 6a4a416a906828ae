import { randomBytes } from 'node:crypto';
import { FACTORY_ACTOR } from './members';
import { CannedRepliesService } from '../../src/support/canned-replies.service';
import { SettingsService } from '../../src/settings/settings.service';
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

/** The showcase's tickets: a support thread with a note and a reply, a consultation request, an answered one; a canned reply. */
export async function seedTickets(t: TestHost, o: { clientId: number; staffId: number; productId: number }): Promise<{ ticketId: number; cannedId: number }> {
  await t.app.get(SettingsService).update(FACTORY_ACTOR, {
    consultationOffer: 'A one-hour video call about your own paintings: composition, colour, what to practise next.\nYou get written notes afterwards.',
    consultationPrice: '3 500 ₽ per hour',
  });
  const main = await createTicket(t, o.clientId, {
    subject: 'The glazing lesson is still locked',
    body: 'Hello! I finished "Mixing greys" a week ago, but "Glazing" still says it opens later. Did I miss something?\n\nThe page: https://school.example/account/products/watercolour-basics/glazing-lesson-with-a-rather-long-address',
    productId: o.productId,
  });
  const staff: Actor = { userId: o.staffId, label: 'staff', ip: '' };
  await t.app.get(TicketsStaffService).note(staff, main.id, { body: 'Drip is 7 days from the grant; she started on the 1st.', minutes: 3 });
  await staffReply(t, o.staffId, main.id, 'Hello Irina! Glazing opens seven days after you got the course, so it unlocks tomorrow morning. Nothing is wrong with your account.', { minutes: 6 });
  await createTicket(t, o.clientId, { subject: 'Could you look at my landscape?', body: 'I would love feedback on my first landscape, the sky looks muddy.', type: 'consultation' });
  const canned = await t.app.get(CannedRepliesService).create({ title: 'Lesson opens later', body: 'Hello {{name}}! Lessons of {{product}} open on a schedule; the one you asked about in {{ticket}} opens soon.' });
  return { ticketId: main.id, cannedId: canned.id };
}
