import { Injectable } from '@nestjs/common';
import { AppError } from '../common/errors/app-error';
import { isWithinBusinessHours } from '../common/time/business-time';
import { SettingsService } from '../settings/settings.service';
import { UsersRepository } from '../users/users.repository';
import { TicketStatus, TicketType } from './entities/ticket.entity';
import { clockOf, figuresOf, median } from './ticket-metrics';
import { TicketMetricsRepository } from './ticket-metrics.repository';

/** The overall figures look back this many days (stated on the inbox). */
export const METRICS_WINDOW_DAYS = 30;
/** The overall median is taken over at most this many of the latest answered tickets, so its cost is bounded. */
export const MEDIAN_SAMPLE_CAP = 1000;
/** How long an instance reuses the overall figures: the inbox shows them on every page view. */
export const SUMMARY_TTL_MS = 30_000;
/** The client page lists this many of the client's latest tickets (the totals count them all). */
export const CLIENT_HISTORY_LIMIT = 100;

const DAY = 86_400_000;

export interface TicketSummary {
  /** `all`: every ticket, over the recent window; `client`: all of one client's tickets. */
  scope: 'all' | 'client';
  clientId: number | null;
  /** The window of the median and the minutes, in days; null for a client (all their tickets). */
  windowDays: number | null;
  /** At most this many answered tickets make the overall median; null for a client (all of theirs). */
  sampleCap: number | null;
  /** Median time to the first staff reply, in seconds (business hours where configured); null when none answered. */
  medianFirstResponseSeconds: number | null;
  /** How many answered tickets the median is over. */
  answered: number;
  /** Tickets not closed (open, waiting for staff, waiting for the client), now. */
  open: number;
  /** Staff minutes logged on replies and notes (in the window; for a client, on all their tickets). */
  minutesSpent: number;
  /** Whether business hours are configured (figures are business time) or off (wall-clock). */
  businessHours: boolean;
  computedAt: Date;
}

export interface ClientTicketLine {
  id: number;
  subject: string;
  type: TicketType;
  status: TicketStatus;
  createdAt: Date;
  firstResponseSeconds: number | null;
  resolutionSeconds: number | null;
  minutes: number;
}

export interface ClientTicketHistory {
  tickets: ClientTicketLine[];
  /** Whether the client has more tickets than listed. */
  more: boolean;
  limit: number;
  totals: {
    tickets: number;
    consultations: number;
    staffMinutes: number;
    clientMessages: number;
    /** Share (0…1) of the client's messages written outside business hours; null when business hours are off or there are none. */
    outsideHoursShare: number | null;
  };
  summary: TicketSummary;
}

/** Ticket metrics: the overall and per-client summaries (inbox, client page, API) and a client's ticket history. */
@Injectable()
export class TicketMetricsService {
  private cached: { value: TicketSummary; at: number } | null = null;
  private loading: Promise<TicketSummary> | null = null;

  constructor(
    private readonly metrics: TicketMetricsRepository,
    private readonly settings: SettingsService,
    private readonly users: UsersRepository,
  ) {}

  /** The overall summary, or one client's (404 for no such client). */
  async summary(clientId?: number): Promise<TicketSummary> {
    if (clientId === undefined) return this.overall();
    await this.requireClient(clientId);
    return this.forClient(clientId);
  }

  /** One client's summary, or null when there is no such client (an inbox filtered by a stale id). */
  async clientSummary(clientId: number): Promise<TicketSummary | null> {
    return (await this.isClient(clientId)) ? this.forClient(clientId) : null;
  }

  /** Every ticket over the recent window; reused for SUMMARY_TTL_MS, and never a read of all tickets. */
  async overall(now = new Date()): Promise<TicketSummary> {
    if (this.cached && now.getTime() - this.cached.at < SUMMARY_TTL_MS && now.getTime() >= this.cached.at) return this.cached.value;
    this.loading ??= this.computeOverall(now)
      .then((value) => {
        this.cached = { value, at: now.getTime() };
        return value;
      })
      .finally(() => (this.loading = null));
    return this.loading;
  }

  /** Forget the cached overall figures (tests; a page that must show fresh ones). */
  forget(): void {
    this.cached = null;
  }

  async clientHistory(clientId: number): Promise<ClientTicketHistory> {
    const minutesOf = this.metrics.clientMinutesByTicket(clientId);
    const [settings, rows, minutes, counts, times, summary] = await Promise.all([
      this.settings.current(),
      this.metrics.clientTickets(clientId, CLIENT_HISTORY_LIMIT + 1),
      minutesOf,
      this.metrics.clientCounts(clientId),
      this.metrics.clientMessageTimes(clientId),
      this.forClient(clientId, minutesOf),
    ]);
    const clock = clockOf(settings);
    const outside = clock.hours ? times.filter((at) => !isWithinBusinessHours(at, clock.hours, clock.zone)).length : 0;
    return {
      tickets: rows.slice(0, CLIENT_HISTORY_LIMIT).map((t) => ({
        id: t.id,
        subject: t.subject,
        type: t.type,
        status: t.status,
        createdAt: t.createdAt,
        ...figuresOf(t, clock),
        minutes: minutes.get(t.id) ?? 0,
      })),
      more: rows.length > CLIENT_HISTORY_LIMIT,
      limit: CLIENT_HISTORY_LIMIT,
      totals: {
        ...counts,
        staffMinutes: [...minutes.values()].reduce((a, b) => a + b, 0),
        clientMessages: times.length,
        outsideHoursShare: clock.hours && times.length ? outside / times.length : null,
      },
      summary,
    };
  }

  private async computeOverall(now: Date): Promise<TicketSummary> {
    const since = new Date(now.getTime() - METRICS_WINDOW_DAYS * DAY);
    const [settings, answered, open, minutesSpent] = await Promise.all([
      this.settings.current(),
      this.metrics.recentFirstResponses(since, MEDIAN_SAMPLE_CAP),
      this.metrics.openCount(),
      this.metrics.minutesSince(since),
    ]);
    return {
      scope: 'all',
      clientId: null,
      windowDays: METRICS_WINDOW_DAYS,
      sampleCap: MEDIAN_SAMPLE_CAP,
      medianFirstResponseSeconds: median(answered),
      answered: answered.length,
      open,
      minutesSpent,
      businessHours: clockOf(settings).hours !== null,
      computedAt: now,
    };
  }

  private async forClient(clientId: number, minutesByTicket = this.metrics.clientMinutesByTicket(clientId)): Promise<TicketSummary> {
    const [settings, med, open, minutes] = await Promise.all([
      this.settings.current(),
      this.metrics.clientMedianFirstResponse(clientId),
      this.metrics.openCount(clientId),
      minutesByTicket,
    ]);
    return {
      scope: 'client',
      clientId,
      windowDays: null,
      sampleCap: null,
      medianFirstResponseSeconds: med.median,
      answered: med.answered,
      open,
      minutesSpent: [...minutes.values()].reduce((a, b) => a + b, 0),
      businessHours: clockOf(settings).hours !== null,
      computedAt: new Date(),
    };
  }

  private async requireClient(clientId: number): Promise<void> {
    if (!(await this.isClient(clientId))) throw AppError.notFound('client');
  }

  private async isClient(clientId: number): Promise<boolean> {
    const u = await this.users.findById(clientId);
    return !!u && u.role === 'client';
  }
}
