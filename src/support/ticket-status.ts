import { TicketStatus } from './entities/ticket.entity';

/**
 * The transitions staff may make by hand. Replies move a ticket by themselves (see `afterClientMessage` and
 * `afterStaffReply`); a closed ticket only reopens, it does not jump straight to waiting on anyone.
 */
export const TRANSITIONS: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  open: ['waiting_for_client', 'waiting_for_staff', 'closed'],
  waiting_for_staff: ['open', 'waiting_for_client', 'closed'],
  waiting_for_client: ['open', 'waiting_for_staff', 'closed'],
  closed: ['open'],
};

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** What a client's message does to a ticket: the one case it cannot reopen is a long-closed ticket. */
export type ClientMessageEffect = { status: TicketStatus } | { newTicket: true };

/**
 * A client message on an open or waiting ticket puts it in the staff's court; on a ticket closed within
 * `reopenDays` it reopens it; on one closed longer ago it opens a new ticket linked to this one.
 */
export function afterClientMessage(t: { status: TicketStatus; closedAt: Date | null }, reopenDays: number, now: Date): ClientMessageEffect {
  if (t.status !== 'closed') return { status: t.status === 'open' ? 'open' : 'waiting_for_staff' };
  const closedAt = t.closedAt?.getTime() ?? 0;
  if (now.getTime() - closedAt <= reopenDays * 86400_000) return { status: 'waiting_for_staff' };
  return { newTicket: true };
}

/** A staff reply waits for the client unless staff chose another status with it (close, keep open). */
export function afterStaffReply(from: TicketStatus, chosen: TicketStatus | undefined): TicketStatus {
  const to = chosen ?? 'waiting_for_client';
  if (to === from) return to;
  // replying on a closed ticket reopens it first
  if (from === 'closed') return to === 'closed' ? 'closed' : to;
  return canTransition(from, to) ? to : 'waiting_for_client';
}
