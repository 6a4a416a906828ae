import { Injectable } from '@nestjs/common';
import { WarningsService } from '../clients/warnings/warnings.service';
import { OutboxRepository } from '../mail/outbox.repository';
import { OrdersRepository } from '../members/orders/orders.repository';
import { AwaitingRefund, RefundsRepository } from '../members/orders/refunds/refunds.repository';
import { OffboardingService } from '../offboarding/offboarding.service';
import { TicketsRepository } from '../support/tickets.repository';
import { UsersRepository } from '../users/users.repository';

/** The overview lists this many manual refunds by name; the rest are a count. */
const REFUNDS_LISTED = 5;

/** What waits for the owner or staff to act, each with where to act on it; all zero on a quiet day. */
export interface Attention {
  /** Offboarding cases a step of which gave up: retry or skip it. */
  casesNeedingAttention: number;
  /** Offboarding cases staff proposed, waiting for an owner's or admin's approval. */
  casesProposed: number;
  /** Tickets a client opened or answered, waiting for staff. */
  ticketsWaiting: number;
  /** Orders from a banned identity, held for review. */
  ordersHeld: number;
  /** Manual refunds to make in the payment system and confirm (the oldest few by name). */
  refunds: { items: AwaitingRefund[]; total: number };
  /** Warning follow-ups whose date has come. */
  followUpsDue: number;
  /** Nothing above waits. */
  quiet: boolean;
}

@Injectable()
export class DashboardService {
  constructor(
    private readonly users: UsersRepository,
    private readonly outbox: OutboxRepository,
    private readonly offboarding: OffboardingService,
    private readonly tickets: TicketsRepository,
    private readonly orders: OrdersRepository,
    private readonly refunds: RefundsRepository,
    private readonly warnings: WarningsService,
  ) {}

  async stats() {
    const [users, pendingMail, failedMail] = await Promise.all([
      this.users.countByRole(),
      this.outbox.countByStatus('pending'),
      this.outbox.countByStatus('failed'),
    ]);
    return { users, pendingMail, failedMail };
  }

  /** Each an index range or a count of one, so the overview stays as fast with 100,000 tickets as with ten. */
  async attention(): Promise<Attention> {
    const one = { limit: 1, offset: 0 };
    const [attention, proposed, tickets, ordersHeld, refunds, followUpsDue] = await Promise.all([
      this.offboarding.list({ status: 'attention' }, one),
      this.offboarding.list({ status: 'proposed' }, one),
      this.tickets.countByStatus({}, 'activity'),
      this.orders.countByStatus('held'),
      this.refunds.awaitingOwner(REFUNDS_LISTED),
      this.warnings.countDueFollowUps(),
    ]);
    const a = {
      casesNeedingAttention: attention.total,
      casesProposed: proposed.total,
      ticketsWaiting: tickets.open + tickets.waiting_for_staff,
      ordersHeld,
      refunds,
      followUpsDue,
    };
    const quiet = !a.casesNeedingAttention && !a.casesProposed && !a.ticketsWaiting && !a.ordersHeld && !a.refunds.total && !a.followUpsDue;
    return { ...a, quiet };
  }
}
