import { SettingsService } from '../../src/settings/settings.service';
import { Ticket, TicketMessage } from '../../src/support/entities/ticket.entity';
import { clockOf, secondsOn } from '../../src/support/ticket-metrics';
import { TicketsStaffService } from '../../src/support/tickets-staff.service';
import type { TestHost } from '../utils/test-host';
import { FACTORY_ACTOR } from './members';
import { createTicket, staffReply } from './tickets';

/**
 * Moves a ticket's opening back by `ms` (created_at, last activity and its first message), as if the client had
 * written that long ago: the figures stored at the next staff reply then cover a known span, without sleeping.
 */
export async function backdateTicket(t: TestHost, ticketId: number, ms: number): Promise<void> {
  const tk = await t.db.manager.findOneByOrFail(Ticket, { id: ticketId });
  const first = await t.db.manager.findOneOrFail(TicketMessage, { where: { ticketId }, order: { id: 'ASC' } });
  const back = (d: Date) => new Date(d.getTime() - ms);
  await t.db.transaction(async (m) => {
    await m.update(Ticket, { id: ticketId }, { createdAt: back(tk.createdAt), lastActivityAt: back(tk.lastActivityAt), waitingSince: tk.waitingSince && back(tk.waitingSince) });
    await m.update(TicketMessage, { id: first.id }, { createdAt: back(first.createdAt) });
  });
}

/** Sets when each of a ticket's client messages was written, oldest first (the rest keep theirs). */
export async function setClientMessageTimes(t: TestHost, ticketId: number, times: Date[]): Promise<void> {
  const msgs = await t.db.manager.find(TicketMessage, { where: { ticketId, kind: 'client' }, order: { id: 'ASC' } });
  await t.db.transaction(async (m) => {
    for (let i = 0; i < times.length && i < msgs.length; i++) await m.update(TicketMessage, { id: msgs[i].id }, { createdAt: times[i] });
  });
}

/** Stores a ticket's figures as if it had been answered (and closed) at the given times, for medians and windows. */
export async function setTicketFigures(
  t: TestHost,
  ticketId: number,
  f: { firstResponseAt: Date; firstResponseSeconds: number; closedAt?: Date; resolutionSeconds?: number },
): Promise<void> {
  await t.db.transaction((m) =>
    m.update(Ticket, { id: ticketId }, {
      firstResponseAt: f.firstResponseAt,
      firstResponseSeconds: f.firstResponseSeconds,
      ...(f.closedAt ? { status: 'closed' as const, closedAt: f.closedAt, resolutionSeconds: f.resolutionSeconds ?? null, waitingSince: null } : {}),
    }),
  );
}

/**
 * The showcase's ticket figures: business hours Mon–Fri 09:00–18:00; the client's open tickets written on a weekday
 * morning (their first-response time then counted honestly up to the seeded reply), and an older question written on
 * a Saturday (outside the hours), answered and closed on the Monday.
 */
export async function seedTicketMetrics(t: TestHost, o: { clientId: number; staffId: number; ticketId: number }): Promise<void> {
  const settings = await t.app.get(SettingsService).update(FACTORY_ACTOR, { businessDays: '1,2,3,4,5', businessHoursFrom: '09:00', businessHoursTo: '18:00' });
  const clock = clockOf(settings);
  const now = Date.now();
  const weekday = new Date(now - 86400_000);
  while (weekday.getUTCDay() === 0 || weekday.getUTCDay() === 6) weekday.setUTCDate(weekday.getUTCDate() - 1);
  weekday.setUTCHours(10, 15, 0, 0);
  for (const tk of await t.db.manager.findBy(Ticket, { clientId: o.clientId })) {
    const at = new Date(weekday.getTime() + tk.id * 40 * 60_000);
    await setClientMessageTimes(t, tk.id, [at]);
    await t.db.transaction((m) =>
      m.update(Ticket, { id: tk.id }, { createdAt: at, firstResponseSeconds: tk.firstResponseAt ? secondsOn(clock, at, tk.firstResponseAt) : null }),
    );
  }
  const old = await createTicket(t, o.clientId, { subject: 'Where do I download the palette checklist?', body: 'I cannot find the PDF you mentioned in the first lesson.' });
  await staffReply(t, o.staffId, old.id, 'It is under the lesson video, on the right: "Palette-checklist.pdf".', { minutes: 4, status: 'closed' });
  await t.app.get(TicketsStaffService).note({ userId: o.staffId, label: 'staff', ip: '' }, old.id, { body: 'Make the file link more visible?', minutes: 2 });
  const saturday = new Date(now - 12 * 86400_000);
  saturday.setUTCDate(saturday.getUTCDate() - ((saturday.getUTCDay() + 1) % 7)); // the Saturday before
  saturday.setUTCHours(9, 30, 0, 0);
  const answered = new Date(saturday.getTime() + 2 * 86400_000 + (9 * 60 + 51) * 60_000 - 9.5 * 3600_000); // Monday 09:51
  await t.db.transaction(async (m) => {
    await m.update(Ticket, { id: old.id }, { createdAt: saturday, lastActivityAt: answered });
    await m.query('UPDATE ticket_messages SET created_at = ? WHERE ticket_id = ? AND kind <> ?', [answered.toISOString().replace('T', ' ').replace('Z', ''), old.id, 'client']);
  });
  await setClientMessageTimes(t, old.id, [saturday]);
  await setTicketFigures(t, old.id, { firstResponseAt: answered, firstResponseSeconds: secondsOn(clock, saturday, answered), closedAt: answered, resolutionSeconds: secondsOn(clock, saturday, answered) });
}
