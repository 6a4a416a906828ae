import { BusinessHours, businessHoursFrom, businessSecondsBetween } from '../common/time/business-time';
import type { SiteSettings } from '../settings/site-settings';
import type { Ticket } from './entities/ticket.entity';

/** How ticket times are counted now: the owner's business hours in the site zone, or the wall clock. */
export interface MetricsClock {
  hours: BusinessHours | null;
  zone: string;
}

export function clockOf(s: Pick<SiteSettings, 'businessDays' | 'businessHoursFrom' | 'businessHoursTo' | 'timeZone'>): MetricsClock {
  return { hours: businessHoursFrom(s.businessDays, s.businessHoursFrom, s.businessHoursTo), zone: s.timeZone };
}

/** Seconds from `from` to `to` by this clock (business time where configured, else wall-clock). */
export function secondsOn(clock: MetricsClock, from: Date, to: Date): number {
  return businessSecondsBetween(from, to, clock.hours, clock.zone);
}

export interface TicketFigures {
  /** Creation → first staff reply (internal notes, system lines and acknowledgements never count); null = none yet. */
  firstResponseSeconds: number | null;
  /** Creation → close; null while the ticket is not closed. */
  resolutionSeconds: number | null;
}

type Timed = Pick<Ticket, 'createdAt' | 'firstResponseAt' | 'closedAt' | 'firstResponseSeconds' | 'resolutionSeconds'>;

/**
 * A ticket's figures: as stored when they happened; a ticket answered or closed by a path that stored none is
 * counted now, by the clock of now. A resolution only exists while the ticket is closed.
 */
export function figuresOf(t: Timed, clock: MetricsClock): TicketFigures {
  return {
    firstResponseSeconds: t.firstResponseSeconds ?? (t.firstResponseAt ? secondsOn(clock, t.createdAt, t.firstResponseAt) : null),
    resolutionSeconds: t.closedAt ? (t.resolutionSeconds ?? secondsOn(clock, t.createdAt, t.closedAt)) : null,
  };
}

/** The median of some numbers (the mean of the middle two for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2);
}
