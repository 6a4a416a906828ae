import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, AppConfig } from '../../config/config';
import { translate } from '../../i18n/i18n';
import { MailService } from '../../mail/mail.service';
import { OutboxRepository } from '../../mail/outbox.repository';
import { SettingsService } from '../../settings/settings.service';
import { UsersRepository } from '../../users/users.repository';
import type { StepContext, StepExecutor, StepOutcome, StepResults } from '../offboarding.contract';
import { OffboardingFaults } from '../offboarding-faults';
import { NoticeRenderer } from './notice-render';
import { RefundPlanner } from './refund-plan';
import { loadClient } from './step-client';

type NoticeResult = StepResults['notice'];

const RECHECK_MS = 60_000;

/**
 * Step 1, the notice (local: runs in the runner's transaction). The mail to the client and the copy to the owner
 * go into the outbox in that transaction, under keys derived from the step's, so the notice exists exactly when
 * the step's record of it does, and a run repeated with the same step record never queues it again. The step
 * then waits until the relay has sent the client's mail (done, delivered) or given up on it (failed for good);
 * with no SMTP configured the mail is kept in the outbox viewer, and the step is done with delivered: false.
 */
@Injectable()
export class NoticeStep implements Extract<StepExecutor, { kind: 'local' }> {
  readonly name = 'notice' as const;
  readonly kind = 'local' as const;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersRepository,
    private readonly renderer: NoticeRenderer,
    private readonly refunds: RefundPlanner,
    private readonly mail: MailService,
    private readonly outbox: OutboxRepository,
    private readonly settings: SettingsService,
    private readonly faults: OffboardingFaults,
  ) {}

  async run(m: EntityManager, ctx: StepContext): Promise<StepOutcome> {
    const key = `${ctx.step.idempotencyKey}:client`;
    const prev = ctx.step.result as NoticeResult | null;
    if (prev?.outboxId) return this.delivery(m, prev, ctx.now);
    const client = await loadClient(this.users, ctx.clientId, this.config.defaultLocale, m);
    // a record lost with its result but not its mail (it cannot be, the two commit together; belt and braces)
    const queued = await this.outbox.findByKey(key, m);
    if (queued) return this.delivery(m, { outboxId: queued.id, ownerCopyOutboxId: null, subject: queued.subject, body: queued.text, locale: client.locale, delivered: false }, ctx.now);

    const refunds = await this.refunds.plan(ctx.caseId, ctx.clientId, ctx.input, m).catch(() => []);
    const notice = await this.renderer.render(client, ctx.input, ctx.input.steps.includes('refund') ? refunds : [], ctx.now);
    const vars = { subject: notice.rendered.subject, body: notice.rendered.body, paragraphs: paragraphs(notice.rendered.body), copy: false };
    await this.mail.enqueue(m, { to: client.email, template: 'offboarding-notice', locale: client.locale, vars, idempotencyKey: key });
    const sent = await this.outbox.findByKey(key, m);

    const copyVars = {
      ...vars,
      copy: true,
      copyLabel: translate(client.locale, 'offboarding_steps.notice.copy_label'),
      copyIntro: translate(client.locale, 'offboarding_steps.notice.copy_intro', { client: client.name || client.email, email: client.email }),
    };
    let ownerCopyOutboxId: number | null = null;
    const owners = await this.ownerAddresses(m);
    for (let i = 0; i < owners.length; i++) {
      const copyKey = `${ctx.step.idempotencyKey}:owner:${i}`;
      await this.mail.enqueue(m, { to: owners[i], template: 'offboarding-notice', locale: client.locale, vars: copyVars, idempotencyKey: copyKey });
      ownerCopyOutboxId ??= (await this.outbox.findByKey(copyKey, m))?.id ?? null;
    }
    // the crash tests' point: the mail is queued in the step's transaction, which has not committed
    this.faults.hit('notice:before-commit');
    const result: NoticeResult = { outboxId: sent!.id, ownerCopyOutboxId, subject: notice.rendered.subject, body: notice.rendered.body, locale: client.locale, delivered: false };
    return { status: 'waiting', result: { ...result }, externalRef: `outbox:${sent!.id}`, checkAgainAt: new Date(ctx.now.getTime() + RECHECK_MS) };
  }

  private async delivery(m: EntityManager, prev: NoticeResult, now: Date): Promise<StepOutcome> {
    const row = await this.outbox.findStatus(prev.outboxId, m);
    const externalRef = `outbox:${prev.outboxId}`;
    if (!row) return { status: 'failed', error: `outbox message ${prev.outboxId} is gone`, retryable: false, result: { ...prev } };
    if (row.status === 'sent') return { status: 'done', result: { ...prev, delivered: true }, externalRef };
    if (row.status === 'kept') return { status: 'done', result: { ...prev, delivered: false }, externalRef };
    if (row.status === 'failed') return { status: 'failed', error: row.lastError ?? 'the notice could not be delivered', retryable: false, result: { ...prev } };
    return { status: 'waiting', result: { ...prev }, externalRef, checkAgainAt: new Date(now.getTime() + RECHECK_MS) };
  }

  /** Who gets the owner's copy: the support notification address when set, else every owner. */
  private async ownerAddresses(m: EntityManager): Promise<string[]> {
    const notify = (await this.settings.current()).supportNotifyAddress;
    if (notify) return [notify];
    return (await this.users.listEmailsByRole('owner', m)).slice(0, 5);
  }
}

/** The text as paragraphs of lines, for the HTML part (each line escaped there by the template). */
export function paragraphs(body: string): string[][] {
  return body
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((p) => p.split('\n'))
    .filter((p) => p.some((l) => l.trim()));
}
