import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SessionsRepository } from '../auth/sessions.repository';
import { APP_CONFIG, AppConfig } from '../config/config';
import { LeaseService } from '../database/lease.service';
import { OutboxRelay } from '../mail/outbox-relay.service';
import { CampaignsService } from '../mailing/campaigns/campaigns.service';
import { CampaignSender } from '../mailing/sender/campaign-sender';
import { AUTOCLOSE_INTERVAL_MS, TicketAutoClose } from '../support/ticket-autoclose.service';
import { RateLimitRepository } from '../throttle/rate-limit.repository';
import { FOLLOWUP_INTERVAL_MS, WarningFollowUps } from '../clients/warnings/warning-followups.service';

export const RUN_JOBS = Symbol('RUN_JOBS');
const HOUR = 3600_000;
const SCHEDULER_MS = 15_000;

/**
 * Registers the periodic jobs. Each tick goes through the database lease, so with several instances running
 * each tick happens once. Tests start the app without jobs and drive them directly.
 */
@Injectable()
export class JobsService implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RUN_JOBS) private readonly enabled: boolean,
    private readonly registry: SchedulerRegistry,
    private readonly leases: LeaseService,
    private readonly relay: OutboxRelay,
    private readonly sessions: SessionsRepository,
    private readonly rateLimits: RateLimitRepository,
    private readonly campaignSender: CampaignSender,
    private readonly campaigns: CampaignsService,
    private readonly ticketAutoClose: TicketAutoClose,
    private readonly warningFollowUps: WarningFollowUps,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.every('outbox-relay', this.config.relayIntervalMs, () => this.relay.tick());
    // Scheduled campaigns start once, on whichever instance wins the tick.
    this.every('campaign-scheduler', SCHEDULER_MS, () =>
      this.leases.runOncePerTick('campaign-scheduler', SCHEDULER_MS, () => this.campaigns.startDueScheduled().then(() => undefined)).then(() => undefined),
    );
    // Not under the lease: every instance sends, and the row claims keep them from sending anything twice.
    this.every('campaign-sender', this.config.relayIntervalMs, () => this.campaignSender.tick());
    // Tickets waiting for the client close after the owner's number of days; once a tick, on one instance.
    this.every('ticket-autoclose', AUTOCLOSE_INTERVAL_MS, () => this.ticketAutoClose.tick().then(() => undefined));
    // A warning's follow-up date reminds the owner once; once a tick, on one instance.
    this.every('warning-followups', FOLLOWUP_INTERVAL_MS, () => this.warningFollowUps.tick().then(() => undefined));
    this.every('cleanup', HOUR, () =>
      this.leases.runOncePerTick('cleanup', HOUR, async () => {
        const now = new Date();
        await this.sessions.deleteExpired(now);
        await this.rateLimits.deleteExpired(now);
      }).then(() => undefined),
    );
  }

  private every(name: string, ms: number, fn: () => Promise<void>): void {
    const handle = setInterval(() => void fn().catch(() => undefined), ms);
    handle.unref();
    this.registry.addInterval(name, handle);
  }

  onApplicationShutdown(): void {
    for (const name of this.registry.getIntervals()) this.registry.deleteInterval(name);
  }
}
