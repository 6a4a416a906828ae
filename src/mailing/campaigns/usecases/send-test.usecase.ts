import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Actor } from '../../../audit/actor';
import { AuditService } from '../../../audit/audit.service';
import { APP_CONFIG, AppConfig, Locale } from '../../../config/config';
import { Database } from '../../../database/database.service';
import { translate } from '../../../i18n/i18n';
import { OutboxRepository } from '../../../mail/outbox.repository';
import { ListsRepository } from '../../lists/lists.repository';
import { CampaignRenderer } from '../campaign-renderer';
import { campaignNotFound } from '../campaigns.errors';
import { CampaignsRepository } from '../campaigns.repository';

/**
 * A test send: the campaign rendered by the same renderer and layout as the real mail, to one address, queued in
 * the outbox (so it is readable in the outbox viewer and sent by the relay). The address need not be a
 * subscriber, so its unsubscribe and preferences links are inert placeholders rather than tokens of somebody's
 * subscription; the subject says "[Test]". Allowed in every status: checking a mail that is already going out is
 * legitimate.
 */
@Injectable()
export class SendTestCampaign {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly campaigns: CampaignsRepository,
    private readonly lists: ListsRepository,
    private readonly renderer: CampaignRenderer,
    private readonly outbox: OutboxRepository,
    private readonly audit: AuditService,
  ) {}

  async execute(actor: Actor, id: number, to: string, locale: Locale, name = ''): Promise<void> {
    const c = await this.campaigns.findById(id);
    if (!c) throw campaignNotFound();
    const { listIds } = await this.campaigns.audienceOf(id);
    const list = listIds.length ? await this.lists.findById(listIds[0]) : null;
    const brand = await this.renderer.brand();
    const rendered = this.renderer.compile(c, list, brand).render(
      {
        name,
        email: to,
        unsubscribe_url: `${this.config.appUrl}/u/test-send`,
        preferences_url: `${this.config.appUrl}/preferences/test-send`,
      },
      locale,
    );
    const host = new URL(this.config.appUrl).hostname;
    await this.db.transaction(async (m) => {
      await this.outbox.insert(m, {
        messageId: `<test.c${id}.${randomUUID()}@${host}>`,
        idempotencyKey: null,
        mailClass: 'marketing',
        template: 'campaign-test',
        locale,
        from: brand.marketingFrom,
        to,
        subject: translate(locale, 'mail.test_subject', { subject: rendered.subject }).slice(0, 998),
        html: rendered.html,
        text: rendered.text,
        headers: JSON.stringify({ 'X-Kabinet-Campaign': String(id), 'X-Kabinet-Test': 'yes' }),
      });
      await this.audit.record(m, actor, { action: 'campaign.test_send', subjectType: 'campaign', subjectId: id, extra: { to } });
    });
  }
}
