import { Injectable, Logger } from '@nestjs/common';
import { Locale } from '../config/config';
import { Database } from '../database/database.service';
import { LeaseService } from '../database/lease.service';
import { SettingsService } from '../settings/settings.service';
import { UsersRepository } from '../users/users.repository';
import { TicketMailer } from './ticket-mail';
import { clockOf, secondsOn } from './ticket-metrics';
import { TicketsRepository } from './tickets.repository';

const DAY = 86400_000;
const BATCH = 200;
/** How often the scheduler looks for tickets to close. */
export const AUTOCLOSE_INTERVAL_MS = 15 * 60_000;

/**
 * Closes tickets that have waited for the client longer than the owner's setting (ticketAutoCloseDays, 0 = never),
 * telling the client by mail. Run by the scheduler under the lease (one instance a tick), and safe to run twice
 * anyway: each close is a conditional update on the state the job read, and the mail is queued only by the run
 * whose update took.
 */
@Injectable()
export class TicketAutoClose {
  private readonly logger = new Logger('TicketAutoClose');

  constructor(
    private readonly db: Database,
    private readonly tickets: TicketsRepository,
    private readonly mailer: TicketMailer,
    private readonly users: UsersRepository,
    private readonly settings: SettingsService,
    private readonly leases: LeaseService,
  ) {}

  /** The scheduler's entry: with several instances, one of them runs each tick. Returns whether this one ran. */
  tick(now = new Date()): Promise<boolean> {
    return this.leases.runOncePerTick('ticket-autoclose', AUTOCLOSE_INTERVAL_MS, () => this.run(now).then(() => undefined), now);
  }

  /** Returns how many tickets this run closed. */
  async run(now = new Date()): Promise<number> {
    const settings = await this.settings.current();
    const days = Number(settings.ticketAutoCloseDays);
    const clock = clockOf(settings);
    if (!days) return 0;
    const before = new Date(now.getTime() - days * DAY);
    let closed = 0;
    for (;;) {
      const due = await this.tickets.dueForAutoClose(before, BATCH);
      if (!due.length) break;
      for (const t of due) if (await this.closeOne(t, now, secondsOn(clock, t.createdAt, now))) closed++;
      if (due.length < BATCH) break;
    }
    if (closed) this.logger.log(`closed ${closed} ticket(s) waiting for the client over ${days} days`);
    return closed;
  }

  private async closeOne(t: Awaited<ReturnType<TicketsRepository['dueForAutoClose']>>[number], now: Date, resolutionSeconds: number): Promise<boolean> {
    const client = t.clientId !== null ? await this.users.findById(t.clientId) : null;
    return this.db.transaction(
      async (m) => {
      const place = await this.mailer.place(m, t.id);
      if (!(await this.tickets.closeIfUntouched(m, t, now, resolutionSeconds))) return false;
      await this.tickets.insertMessage(m, {
        ticketId: t.id,
        authorId: null,
        authorEmail: null,
        kind: 'system',
        body: 'auto_closed',
        minutes: null,
        messageId: place.messageId,
        inReplyTo: place.inReplyTo,
        createdAt: now,
      });
      const to = client ? { email: client.email, name: client.name, locale: client.locale as Locale | null } : t.externalEmail ? { email: t.externalEmail, name: '', locale: null } : null;
      if (to) await this.mailer.toClient(m, { ...t, status: 'closed' }, to, { place, body: '', event: 'auto_closed', human: false });
      return true;
      },
      // a lost race is a no-op on the next attempt (the conditional update), so repeating is safe
      { retries: 3 },
    );
  }
}
