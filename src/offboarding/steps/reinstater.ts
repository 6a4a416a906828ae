import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { BansRepository } from '../../bans/bans.repository';
import { BansService } from '../../bans/bans.service';
import { AppError } from '../../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { translate } from '../../i18n/i18n';
import { MailService } from '../../mail/mail.service';
import { OutboxRepository } from '../../mail/outbox.repository';
import { GrantsService } from '../../members/access/grants.service';
import { MailingTokens } from '../../mailing/mailing-tokens';
import { SubscriptionsService } from '../../mailing/subscribers/subscriptions.service';
import { UsersRepository } from '../../users/users.repository';
import type { ReinstateInput, ReinstateResult, Reinstater, StepResults } from '../offboarding.contract';
import { loadClient } from './step-client';

/**
 * Reinstatement (REINSTATER), in the caller's transaction: each grant the owner picks from what the revoke step
 * ended comes back as it was (its original start, so drip dates hold, and its original end), the case's bans are
 * lifted, the account re-opened, and a welcome-back mail offers the preferences page to opt in again. Nobody is
 * re-subscribed: the `offboarded` suppression becomes an unsubscribe-from-all, which only the person lifts.
 */
@Injectable()
export class OffboardingReinstater implements Reinstater {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly grants: GrantsService,
    private readonly bans: BansService,
    private readonly bansRepo: BansRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly tokens: MailingTokens,
    private readonly mail: MailService,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditService,
  ) {}

  async reinstate(
    m: EntityManager,
    actor: Actor,
    c: { caseId: number; clientId: number; revoke: StepResults['revoke'] | null; ban: StepResults['ban'] | null },
    input: ReinstateInput,
  ): Promise<ReinstateResult> {
    const client = await loadClient(this.users, c.clientId, this.config.defaultLocale, m);
    const ended = new Map((c.revoke?.grants ?? []).map((g) => [g.grantId, g]));
    const fields: Record<string, string> = {};
    input.grantIds.forEach((id, i) => {
      if (!ended.has(id)) fields[`grantIds[${i}]`] = 'offboarding_steps.errors.grant_not_clients';
    });
    if (Object.keys(fields).length) throw AppError.validation(fields);
    const reason = translate(this.config.defaultLocale, 'offboarding_steps.reason.reinstate', { caseId: c.caseId });

    const grantsRestored: ReinstateResult['grantsRestored'] = [];
    for (const id of [...new Set(input.grantIds)]) {
      const g = ended.get(id)!;
      const fresh = await this.grants.reinstate(
        m,
        actor,
        { grantId: g.grantId, clientId: client.id, productId: g.productId, startsAt: new Date(g.startsAt), endsAt: g.endsAt ? new Date(g.endsAt) : null },
        reason,
      );
      grantsRestored.push({ grantId: g.grantId, newGrantId: fresh.id, productTitle: g.productTitle, startsAt: g.startsAt, endsAt: g.endsAt });
    }

    let banLifted = false;
    if (input.liftBan) {
      const liftReason = translate(this.config.defaultLocale, 'offboarding_steps.reason.lift', { caseId: c.caseId });
      for (const b of await this.bansRepo.activeOfCase(c.caseId, new Date(), m)) {
        await this.bans.lift(m, actor, b.id, liftReason);
        banLifted = true;
      }
    }

    let accountReopened = false;
    if (input.reopenAccount && client.disabled) {
      await this.users.setDisabled(m, client.id, null);
      await this.audit.record(m, actor, { action: 'client.account_reopened', subjectType: 'client', subjectId: client.id, extra: { caseId: c.caseId } });
      accountReopened = true;
    }

    const subscriber = await this.subscriptions.afterReinstatement(m, client.email, { source: 'offboarding', ip: actor.ip, actor });

    let welcomeBackOutboxId: number | null = null;
    if (input.sendWelcomeBack) {
      const key = `offboarding:${c.caseId}:welcome-back`;
      const subscribeUrl = subscriber ? `${this.config.appUrl}/preferences/${this.tokens.preferences(subscriber.id)}` : `${this.config.appUrl}/subscribe`;
      await this.mail.enqueue(m, {
        to: client.email,
        template: 'welcome-back',
        locale: client.locale,
        idempotencyKey: key,
        vars: { name: client.name, products: grantsRestored.map((g) => g.productTitle), loginUrl: `${this.config.appUrl}/login`, subscribeUrl },
      });
      welcomeBackOutboxId = (await this.outbox.findByKey(key, m))?.id ?? null;
    }
    return { grantsRestored, banLifted, accountReopened, welcomeBackOutboxId };
  }
}
