import { afterClientMessage, afterStaffReply, canTransition, TRANSITIONS } from './ticket-status';
import { TICKET_STATUSES } from './entities/ticket.entity';

const DAY = 86400_000;

describe('ticket status', () => {
  it('allows only the listed transitions, never to the same status, and a closed ticket only reopens', () => {
    for (const from of TICKET_STATUSES) {
      expect(canTransition(from, from)).toBe(false);
      for (const to of TRANSITIONS[from]) expect(TICKET_STATUSES).toContain(to);
    }
    expect(canTransition('closed', 'open')).toBe(true);
    expect(canTransition('closed', 'waiting_for_client')).toBe(false);
    expect(canTransition('closed', 'waiting_for_staff')).toBe(false);
    expect(canTransition('waiting_for_client', 'closed')).toBe(true);
  });

  it('a client message puts a waiting ticket with staff, reopens a recently closed one, and opens a new one after reopenDays', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    expect(afterClientMessage({ status: 'open', closedAt: null }, 14, now)).toEqual({ status: 'open' });
    expect(afterClientMessage({ status: 'waiting_for_client', closedAt: null }, 14, now)).toEqual({ status: 'waiting_for_staff' });
    expect(afterClientMessage({ status: 'closed', closedAt: new Date(now.getTime() - 13 * DAY) }, 14, now)).toEqual({ status: 'waiting_for_staff' });
    expect(afterClientMessage({ status: 'closed', closedAt: new Date(now.getTime() - 15 * DAY) }, 14, now)).toEqual({ newTicket: true });
    expect(afterClientMessage({ status: 'closed', closedAt: new Date(now.getTime() - DAY) }, 0, now)).toEqual({ newTicket: true });
  });

  it('a staff reply waits for the client by default and keeps a chosen sensible status', () => {
    expect(afterStaffReply('open', undefined)).toBe('waiting_for_client');
    expect(afterStaffReply('waiting_for_staff', 'closed')).toBe('closed');
    expect(afterStaffReply('closed', undefined)).toBe('waiting_for_client');
    expect(afterStaffReply('open', 'open')).toBe('open');
  });
});
