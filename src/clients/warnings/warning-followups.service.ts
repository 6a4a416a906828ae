import { Inject, Injectable, Logger } from '@nestjs/common';
import { localDateString } from '../../common/time/zoned-time';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { Database } from '../../database/database.service';
import { LeaseService } from '../../database/lease.service';
import { isLocale } from '../../i18n/i18n';
import { MailService } from '../../mail/mail.service';
import { SettingsService } from '../../settings/settings.service';
import { UsersRepository } from '../../users/users.repository';
import { DueFollowUp, WarningsRepository } from './warnings.repository';

/** How often the scheduler looks for follow-ups that have come due. */
export const FOLLOWUP_INTERVAL_MS = 15 * 60_000;
const BATCH = 100;

/**
 * On a warning's follow-up date, reminds the owner by mail (every owner account; with none, the support notify
 * address of Admin → Settings), naming the client with a link to their page. Once per warning: the reminder is
 * queued in the transaction that sets `reminded_at`, by the run whose conditional update took, so two instances,
 * or a run repeated, send one reminder. The scheduler runs it under the lease (one instance a tick).
 */
@Injectable()
export class WarningFollowUps {
  private readonly logger = new Logger('WarningFollowUps');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly warnings: WarningsRepository,
    private readonly users: UsersRepository,
    private readonly settings: SettingsService,
    private readonly mail: MailService,
    private readonly leases: LeaseService,
  ) {}

  /** The scheduler's entry: with several instances, one of them runs each tick. Returns whether this one ran. */
  tick(now = new Date()): Promise<boolean> {
    return this.leases.runOncePerTick('warning-followups', FOLLOWUP_INTERVAL_MS, () => this.run(now).then(() => undefined), now);
  }

  /** Returns how many reminders this run queued (one per warning). */
  async run(now = new Date()): Promise<number> {
    const today = localDateString(now, (await this.settings.current()).timeZone);
    let sent = 0;
    for (;;) {
      const due = await this.warnings.dueUnreminded(today, BATCH);
      for (const w of due) if (await this.remind(w, now)) sent++;
      if (due.length < BATCH) break;
    }
    if (sent) this.logger.log(`reminded the owner of ${sent} warning follow-up(s)`);
    return sent;
  }

  private async recipients(): Promise<{ email: string; locale: 'ru' | 'en'; timeZone: string | null }[]> {
    const [owners] = await this.users.listByRoles(['owner'], 20, 0);
    const live = owners.filter((u) => !u.disabledAt);
    if (live.length) return live.map((u) => ({ email: u.email, locale: isLocale(u.locale) ? u.locale : this.config.defaultLocale, timeZone: u.timeZone }));
    const s = await this.settings.current();
    return [{ email: s.supportNotifyAddress || s.mailFromAddress, locale: this.config.defaultLocale, timeZone: null }];
  }

  private async remind(w: DueFollowUp, now: Date): Promise<boolean> {
    const to = await this.recipients();
    return this.db.transaction(
      async (m) => {
        if (!(await this.warnings.claimReminder(m, w.id, now))) return false;
        for (const r of to) {
          await this.mail.enqueue(m, {
            to: r.email,
            template: 'warning-followup',
            locale: r.locale,
            timeZone: r.timeZone,
            idempotencyKey: `warning-followup:${w.id}:${r.email}`.slice(0, 191),
            vars: {
              clientName: w.clientName || w.clientEmail,
              clientEmail: w.clientEmail,
              sentAt: w.createdAt,
              link: `${this.config.appUrl}/admin/clients/${w.clientId}#warnings`,
            },
          });
        }
        return true;
      },
      // a lost race is a no-op on the next attempt (the conditional update), so repeating is safe
      { retries: 3 },
    );
  }
}
