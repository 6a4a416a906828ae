import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { BansRepository } from '../../bans/bans.repository';
import { BansService } from '../../bans/bans.service';
import { domainKey, emailKey } from '../../bans/email-key';
import { AppError } from '../../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { translate } from '../../i18n/i18n';
import { UsersRepository } from '../../users/users.repository';
import type { StepContext, StepExecutor, StepOutcome, StepResults } from '../offboarding.contract';
import { errorText, loadClient } from './step-client';

type BanResult = StepResults['ban'];

/**
 * Step 5, ban (local). The client's identity (and, if asked, their whole domain) is banned with a neutral reason
 * and the case's id; BansService.ban() answers a repeat of the same case's ban with the first one, so a second
 * run makes no second ban. An identity someone banned already (outside this case) counts as banned: done, not
 * created. A domain ban that would cover staff is refused by BansService: failed, for the owner to decide.
 */
@Injectable()
export class BanStep implements Extract<StepExecutor, { kind: 'local' }> {
  readonly name = 'ban' as const;
  readonly kind = 'local' as const;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly bans: BansService,
    private readonly repo: BansRepository,
  ) {}

  async run(m: EntityManager, ctx: StepContext): Promise<StepOutcome> {
    const client = await loadClient(this.users, ctx.clientId, this.config.defaultLocale, m);
    const reason = translate(this.config.defaultLocale, 'offboarding_steps.reason.ban', { caseId: ctx.caseId });
    const expiresAt = ctx.input.banExpiresAt ?? null;
    const key = emailKey(client.email) ?? client.email;
    const domain = ctx.input.banDomain ? domainKey(key) : null;
    try {
      const address = await this.banOrExisting(m, ctx, { email: client.email, reason, expiresAt, caseId: ctx.caseId });
      if (domain) await this.banOrExisting(m, ctx, { domain, reason, expiresAt, caseId: ctx.caseId });
      const result: BanResult = { banId: address.id, key, domain, created: address.created };
      return { status: 'done', result: { ...result }, externalRef: `ban:${address.id}` };
    } catch (e) {
      // staff covered by a domain, an expiry in the past: the input has to change, retrying cannot help
      return { status: 'failed', error: errorText(e), retryable: !(e instanceof AppError) };
    }
  }

  private async banOrExisting(m: EntityManager, ctx: StepContext, cmd: Parameters<BansService['ban']>[2]): Promise<{ id: number; created: boolean }> {
    try {
      const r = await this.bans.ban(m, ctx.actor, cmd);
      // created: false here is this case's own ban found again (a second run)
      return { id: r.ban.id, created: r.created && !(ctx.step.result as BanResult | null)?.banId };
    } catch (e) {
      if (e instanceof AppError && e.code === 'bans.already_banned') {
        const now = new Date();
        const active = cmd.email ? await this.bans.findActive(cmd.email, now, m) : null;
        if (active) return { id: active.id, created: false };
        const ofCase = await this.repo.activeOfCase(ctx.caseId, now, m);
        if (ofCase[0]) return { id: ofCase[0].id, created: false };
      }
      throw e;
    }
  }
}
