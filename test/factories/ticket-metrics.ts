import { Ticket, TicketMessage } from '../../src/support/entities/ticket.entity';
import type { TestHost } from '../utils/test-host';

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
