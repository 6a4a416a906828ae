import { Database } from '../../src/database/database.service';
import { Ticket } from '../../src/support/entities/ticket.entity';
import { TicketsService } from '../../src/support/tickets.service';
import type { TestHost } from '../utils/test-host';

/**
 * A ticket as mail from an unknown address opens it ("not a client yet"), through the same call the inbound
 * handler makes (TicketsService.openIn), without a listener.
 */
export async function createMailTicket(t: TestHost, o: { email?: string; name?: string; subject?: string; body?: string } = {}): Promise<Ticket> {
  const email = o.email ?? 'olga.petrova@example.org';
  const { ticket } = await t.app.get(Database).transaction((m) =>
    t.app.get(TicketsService).openIn(
      m,
      { externalEmail: email, type: 'support', productId: null, subject: o.subject ?? 'Is there a course for complete beginners?' },
      { id: null, email, name: o.name ?? 'Olga' },
      o.body ?? 'Hello! I have never painted before. Which of your courses should I start with, and can I pay in two parts?',
      null,
    ),
  );
  return ticket;
}
