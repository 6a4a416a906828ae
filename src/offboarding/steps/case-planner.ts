import { Inject, Injectable } from '@nestjs/common';
import { ApiKeysRepository } from '../../auth/api-keys/api-keys.repository';
import { SessionsRepository } from '../../auth/sessions.repository';
import { BanCheck } from '../../bans/ban-check';
import { domainKey, emailKey } from '../../bans/email-key';
import { AppError } from '../../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { GrantsRepository } from '../../members/access/grants.repository';
import { RecipientsRepository } from '../../mailing/sender/recipients.repository';
import { SubscribersRepository } from '../../mailing/subscribers/subscribers.repository';
import { TicketsRepository } from '../../support/tickets.repository';
import { UsersRepository } from '../../users/users.repository';
import type { CaseInput, CasePlanner, CasePreview } from '../offboarding.contract';
import { NoticeRenderer } from './notice-render';
import { RefundPlanner } from './refund-plan';
import { loadClient } from './step-client';

/**
 * The dry run (CASE_PLANNER): everything a case would do, read and nothing written, from the same reads the
 * steps make (the same notice rendering, the same refund plan, the same running grants). The input is checked
 * against the client's data here, so a bad case is refused before it is opened: an order or a grant that is not
 * the client's, a refund above what is left of an order → 400 naming the fields.
 */
@Injectable()
export class OffboardingCasePlanner implements CasePlanner {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly renderer: NoticeRenderer,
    private readonly refunds: RefundPlanner,
    private readonly grants: GrantsRepository,
    private readonly sessions: SessionsRepository,
    private readonly apiKeys: ApiKeysRepository,
    private readonly subscribers: SubscribersRepository,
    private readonly recipients: RecipientsRepository,
    private readonly tickets: TicketsRepository,
    private readonly bans: BanCheck,
  ) {}

  async plan(clientId: number, input: CaseInput, now: Date): Promise<Omit<CasePreview, 'approval'>> {
    const client = await loadClient(this.users, clientId, this.config.defaultLocale);
    const on = (s: string) => input.steps.includes(s as CaseInput['steps'][number]);

    const fields: Record<string, string> = {};
    let refunds: CasePreview['refunds'] = [];
    try {
      refunds = await this.refunds.plan(null, clientId, input);
    } catch (e) {
      if (!(e instanceof AppError) || e.kind !== 'validation') throw e;
      Object.assign(fields, e.fields);
    }
    if (input.grantIds?.length) {
      const mine = await this.grants.idsOfClient(clientId, input.grantIds);
      input.grantIds.forEach((id, i) => {
        if (!mine.has(id)) fields[`grantIds[${i}]`] = 'offboarding_steps.errors.grant_not_clients';
      });
    }
    if (Object.keys(fields).length) throw new AppError('validation', 'offboarding.invalid_input', 'errors.validation', fields);

    const [notice, grants, sessions, apiKeys, subscriber, tickets, banned] = await Promise.all([
      this.renderer.render(client, input, on('refund') ? refunds : [], now),
      this.grants.runningForClient(clientId, now, input.grantIds?.length ? input.grantIds : null),
      this.sessions.countLiveForUser(clientId, now),
      this.apiKeys.countActiveCreatedBy(clientId),
      this.subscribers.findByEmail(client.email),
      this.tickets.openOfClient(clientId),
      this.bans.findActive(client.email, now),
    ]);
    const [lists, unsentCampaignRows] = subscriber ? await Promise.all([this.subscribers.listsOn(subscriber.id), this.recipients.countWaitingFor(subscriber.id)]) : [[], 0];
    const key = emailKey(client.email) ?? client.email;

    return {
      client: { id: client.id, name: client.name, email: client.email, locale: client.locale },
      steps: input.steps,
      when: input.when,
      notice: { locale: notice.locale, template: notice.template, rendered: notice.rendered, hints: notice.hints },
      refunds,
      refundTotalMinor: refunds.reduce((n, r) => n + r.amountMinor, 0),
      grants: grants.map((g) => ({ id: g.id, productId: g.productId, productTitle: g.productTitle, startsAt: g.startsAt, endsAt: g.endsAt })),
      sessions,
      apiKeys,
      lists,
      unsentCampaignRows,
      tickets: tickets.map((t) => ({ id: t.id, subject: t.subject, status: t.status })),
      ban: { email: client.email, key, domain: input.banDomain ? domainKey(key) : null, expiresAt: input.banExpiresAt ?? null, alreadyBanned: banned !== null },
    };
  }
}
