import { Injectable, Logger } from '@nestjs/common';
import { Actor, SYSTEM_ACTOR } from '../../../audit/actor';
import { AuditService } from '../../../audit/audit.service';
import { AppError } from '../../../common/errors/app-error';
import { Database } from '../../../database/database.service';
import { CampaignStatus } from '../entities/campaign.entity';
import { RecipientsRepository } from '../../sender/recipients.repository';
import { campaignNotFound, noRecipients, wrongStatus } from '../campaigns.errors';
import { CampaignsRepository } from '../campaigns.repository';
import { CampaignAudience } from './campaign-audience';

const STARTABLE: readonly CampaignStatus[] = ['draft', 'scheduled'];

/**
 * Send now (or the scheduler's "it is time"): in one transaction the campaign moves to `sending` and its
 * recipient rows are written. If nobody would get it, nothing changes. Senders only ever see a campaign whose
 * rows are all there, and a second start (double click, two scheduler instances) finds it no longer startable.
 */
@Injectable()
export class StartCampaign {
  private readonly logger = new Logger('Campaigns');

  constructor(
    private readonly db: Database,
    private readonly campaigns: CampaignsRepository,
    private readonly recipients: RecipientsRepository,
    private readonly audience: CampaignAudience,
    private readonly audit: AuditService,
  ) {}

  async execute(actor: Actor, id: number, now = new Date()): Promise<{ recipients: number }> {
    const before = await this.campaigns.findById(id);
    if (!before) throw campaignNotFound();
    if (!STARTABLE.includes(before.status)) throw wrongStatus(before.status, 'send', STARTABLE);
    const { listIds, productIds } = await this.campaigns.audienceOf(id);
    // A list archived since the draft was saved must not be mailed.
    await this.audience.check(listIds, productIds);
    return this.db.transaction(async (m) => {
      const moved = await this.campaigns.transition(m, id, [...STARTABLE], { status: 'sending', startedAt: now, finishedAt: null });
      if (!moved) {
        const current = (await this.campaigns.findById(id, m))?.status;
        if (!current) throw campaignNotFound();
        throw wrongStatus(current, 'send', STARTABLE);
      }
      const n = await this.recipients.materialise(m, id, listIds, productIds, now);
      // Throwing rolls the status change back with the (zero) rows.
      if (n === 0) throw noRecipients();
      await this.campaigns.update(m, id, { recipients: n });
      await this.audit.record(m, actor, {
        action: 'campaign.send',
        subjectType: 'campaign',
        subjectId: id,
        before: { status: before.status },
        after: { status: 'sending', recipients: n },
      });
      return { recipients: n };
    });
  }

  /**
   * The scheduler's tick: start every scheduled campaign that is due. One that would reach nobody goes back to
   * draft (with an audit entry saying why) instead of being retried every tick.
   */
  async startDue(now = new Date()): Promise<{ started: number[]; failed: number[] }> {
    const started: number[] = [];
    const failed: number[] = [];
    for (const c of await this.campaigns.dueScheduled(now)) {
      try {
        await this.execute(SYSTEM_ACTOR, c.id, now);
        started.push(c.id);
      } catch (e) {
        // Someone else started, paused or cancelled it meanwhile: nothing to do.
        if (e instanceof AppError && e.code === 'campaigns.wrong_status') continue;
        if (!(e instanceof AppError)) throw e;
        failed.push(c.id);
        this.logger.warn(`scheduled campaign ${c.id} not started: ${e.code}`);
        await this.db.transaction(async (m) => {
          if (await this.campaigns.transition(m, c.id, ['scheduled'], { status: 'draft', scheduledAt: null })) {
            await this.audit.record(m, SYSTEM_ACTOR, { action: 'campaign.schedule_failed', subjectType: 'campaign', subjectId: c.id, extra: { reason: e.code, fields: e.fields } });
          }
        });
      }
    }
    return { started, failed };
  }
}
