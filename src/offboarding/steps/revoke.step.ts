import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../../audit/audit.service';
import { ApiKeysRepository } from '../../auth/api-keys/api-keys.repository';
import { PasswordResetsRepository } from '../../auth/password-resets.repository';
import { SessionsService } from '../../auth/sessions.service';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { translate } from '../../i18n/i18n';
import { GrantsService } from '../../members/access/grants.service';
import { TicketsService } from '../../support/tickets.service';
import { UsersRepository } from '../../users/users.repository';
import type { StepContext, StepExecutor, StepOutcome, StepResults } from '../offboarding.contract';
import { loadClient } from './step-client';

type RevokeResult = StepResults['revoke'];

/**
 * Step 3, revoke access (local: one transaction, the runner's). Everything that lets the client in ends together,
 * so the request right after the commit is refused: the grants (or the chosen ones) with their events and audit
 * entries, the sessions, the API keys the account created, unused password links, the account itself
 * (users.disabled_at: login and session lookup refuse it), and the open tickets, closed with a final system
 * message (a closed account opens no new one, on the web or by mail). Signed download links die with the grants:
 * the download re-checks access. Each kind is one or two statements, whatever the number of objects.
 *
 * Run twice with the same step record, the second run ends nothing more and keeps what the first one ended, so
 * the result stays the list a reinstatement puts back.
 */
@Injectable()
export class RevokeStep implements Extract<StepExecutor, { kind: 'local' }> {
  readonly name = 'revoke' as const;
  readonly kind = 'local' as const;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly grants: GrantsService,
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeysRepository,
    private readonly resets: PasswordResetsRepository,
    private readonly tickets: TicketsService,
    private readonly audit: AuditService,
  ) {}

  async run(m: EntityManager, ctx: StepContext): Promise<StepOutcome> {
    const client = await loadClient(this.users, ctx.clientId, this.config.defaultLocale, m);
    const prev = ctx.step.result as RevokeResult | null;
    const now = new Date();
    const reason = translate(this.config.defaultLocale, 'offboarding_steps.reason.revoke', { caseId: ctx.caseId });

    const ended = await this.grants.revokeAllOfClient(m, ctx.actor, client.id, reason, ctx.input.grantIds ?? null);
    const sessionsEnded = await this.sessions.endAllForUser(m, client.id);
    const apiKeysRevoked = await this.apiKeys.revokeCreatedBy(m, client.id, now);
    const passwordLinksEnded = await this.resets.invalidateForUser(m, client.id, now);
    let accountDisabled = prev?.accountDisabled ?? false;
    if (!client.disabled) {
      await this.users.setDisabled(m, client.id, now);
      await this.audit.record(m, ctx.actor, { action: 'client.account_closed', subjectType: 'client', subjectId: client.id, extra: { caseId: ctx.caseId } });
      accountDisabled = true;
    }
    const ticketsClosed = await this.tickets.closeAllOfClient(m, client.id);

    const result: RevokeResult = {
      grants: [
        ...(prev?.grants ?? []),
        ...ended.map((g) => ({ grantId: g.id, productId: g.productId, productTitle: g.productTitle, startsAt: g.startsAt.toISOString(), endsAt: g.endsAt ? g.endsAt.toISOString() : null, source: g.source })),
      ],
      sessionsEnded: (prev?.sessionsEnded ?? 0) + sessionsEnded,
      apiKeysRevoked: (prev?.apiKeysRevoked ?? 0) + apiKeysRevoked,
      passwordLinksEnded: (prev?.passwordLinksEnded ?? 0) + passwordLinksEnded,
      ticketsClosed: [...new Set([...(prev?.ticketsClosed ?? []), ...ticketsClosed])],
      accountDisabled,
    };
    return { status: 'done', result: { ...result } };
  }
}
