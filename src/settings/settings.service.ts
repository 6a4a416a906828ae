import { Inject, Injectable } from '@nestjs/common';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Database } from '../database/database.service';
import { crossCheckSettings, isSettingName, resolveSettings, SettingName, SETTINGS, SiteSettings } from './site-settings';
import { SettingsRepository } from './settings.repository';

/**
 * How long an instance trusts its copy of the settings. Every page reads them (header, dates), so they are not
 * read per request; a change made on this instance shows at once, one made on another instance within this time.
 */
export const SETTINGS_TTL_MS = 5_000;

@Injectable()
export class SettingsService {
  private cached: { value: SiteSettings; at: number } | null = null;
  private loading: Promise<SiteSettings> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly repo: SettingsRepository,
    private readonly audit: AuditService,
  ) {}

  async current(): Promise<SiteSettings> {
    if (this.cached && Date.now() - this.cached.at < SETTINGS_TTL_MS) return this.cached.value;
    this.loading ??= this.repo
      .all()
      .then((rows) => {
        const value = Object.freeze(resolveSettings(this.config, rows));
        this.cached = { value, at: Date.now() };
        return value;
      })
      .finally(() => (this.loading = null));
    return this.loading;
  }

  /**
   * Sets the given settings (names not given keep their value); every value is checked first, and one bad value
   * changes nothing. Audited with what changed, before and after.
   */
  async update(actor: Actor, input: Partial<Record<string, string>>): Promise<SiteSettings> {
    const fields: Record<string, string> = {};
    const next: Partial<Record<SettingName, string>> = {};
    for (const [name, raw] of Object.entries(input)) {
      if (!isSettingName(name)) throw AppError.validation({ [name]: 'settings.errors.unknown' });
      const value = (raw ?? '').trim();
      const problem = SETTINGS[name].check(value);
      if (problem) fields[name] = problem;
      else next[name] = value;
    }
    if (Object.keys(fields).length) throw AppError.validation(fields);

    const before = await this.fresh();
    const crossed = crossCheckSettings({ ...before, ...next });
    if (Object.keys(crossed).length) throw AppError.validation(crossed);
    const changed = (Object.keys(next) as SettingName[]).filter((n) => next[n] !== before[n]);
    if (changed.length) {
      await this.db.transaction(async (m) => {
        await this.repo.put(m, Object.fromEntries(changed.map((n) => [n, next[n]!])), new Date());
        await this.audit.record(m, actor, {
          action: 'settings.updated',
          before: Object.fromEntries(changed.map((n) => [n, before[n]])),
          after: Object.fromEntries(changed.map((n) => [n, next[n]])),
        });
      });
    }
    this.cached = null;
    return this.current();
  }

  private async fresh(): Promise<SiteSettings> {
    this.cached = null;
    return this.current();
  }
}
