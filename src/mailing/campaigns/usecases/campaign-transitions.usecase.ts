import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Actor } from '../../../audit/actor';
import { CampaignMove } from '../../../audit/audit-actions';
import { AuditService } from '../../../audit/audit.service';
import { Database } from '../../../database/database.service';
import { Campaign, CampaignStatus } from '../entities/campaign.entity';
import { RecipientsRepository } from '../../sender/recipients.repository';
import { campaignNotFound, wrongStatus } from '../campaigns.errors';
import { CampaignsRepository } from '../campaigns.repository';

interface Move {
  action: CampaignMove;
  from: readonly CampaignStatus[];
  to: CampaignStatus;
  patch?: (c: Campaign, now: Date) => Partial<Campaign>;
  /** More work in the same transaction, after the status moved. */
  also?: (m: EntityManager, c: Campaign, now: Date) => Promise<Record<string, unknown> | void>;
}

/**
 * The operator's status changes other than starting: schedule, unschedule, pause, resume, cancel, resend rows
 * of unknown outcome. Each is a conditional UPDATE (the status must still be one it may leave) with its audit
 * entry and side effects in one transaction; a campaign in any other status is a 409 naming that status.
 */
@Injectable()
export class CampaignTransitions {
  constructor(
    private readonly db: Database,
    private readonly campaigns: CampaignsRepository,
    private readonly recipients: RecipientsRepository,
    private readonly audit: AuditService,
  ) {}

  schedule(actor: Actor, id: number, at: Date): Promise<void> {
    return this.move(actor, id, { action: 'schedule', from: ['draft', 'scheduled'], to: 'scheduled', patch: () => ({ scheduledAt: at }) }).then(() => undefined);
  }

  unschedule(actor: Actor, id: number): Promise<void> {
    return this.move(actor, id, { action: 'unschedule', from: ['scheduled'], to: 'draft', patch: () => ({ scheduledAt: null }) }).then(() => undefined);
  }

  /** Senders stop claiming rows of a paused campaign; rows already claimed finish. */
  pause(actor: Actor, id: number): Promise<void> {
    return this.move(actor, id, { action: 'pause', from: ['sending'], to: 'paused' }).then(() => undefined);
  }

  resume(actor: Actor, id: number): Promise<void> {
    return this.move(actor, id, { action: 'resume', from: ['paused'], to: 'sending' }).then(() => undefined);
  }

  /** What has not gone out will not; rows already sent stay sent. */
  cancel(actor: Actor, id: number): Promise<void> {
    return this.move(actor, id, {
      action: 'cancel',
      from: ['draft', 'scheduled', 'sending', 'paused'],
      to: 'cancelled',
      patch: (_c, now) => ({ finishedAt: now }),
      also: async (m, c) => {
        await this.recipients.skipWaitingOfCampaign(m, c.id);
      },
    }).then(() => undefined);
  }

  /**
   * The operator decided that rows whose outcome is unknown (a sender died mid-send) go out again, with their
   * original Message-ID. A finished campaign goes back to sending so the senders pick them up.
   */
  async requeueUnknown(actor: Actor, id: number, now = new Date()): Promise<number> {
    const from: readonly CampaignStatus[] = ['sending', 'paused', 'sent'];
    return this.db.transaction(async (m) => {
      const c = await this.campaigns.findById(id, m);
      if (!c) throw campaignNotFound();
      if (!from.includes(c.status)) throw wrongStatus(c.status, 'requeue_unknown', from);
      const n = await this.recipients.requeueUnknown(m, id, now);
      if (n && c.status === 'sent' && !(await this.campaigns.transition(m, id, ['sent'], { status: 'sending', finishedAt: null }))) {
        throw wrongStatus((await this.campaigns.findById(id, m))!.status, 'requeue_unknown', from);
      }
      await this.audit.record(m, actor, { action: 'campaign.requeue_unknown', subjectType: 'campaign', subjectId: id, extra: { rows: n, status: c.status } });
      return n;
    });
  }

  private move(actor: Actor, id: number, mv: Move): Promise<Campaign> {
    const now = new Date();
    return this.db.transaction(async (m) => {
      const c = await this.campaigns.findById(id, m);
      if (!c) throw campaignNotFound();
      if (!mv.from.includes(c.status)) throw wrongStatus(c.status, mv.action, mv.from);
      const patch = mv.patch?.(c, now) ?? {};
      // Conditional on the status just read: a sender finishing the campaign meanwhile makes this a 409, not a lost update.
      if (!(await this.campaigns.transition(m, id, [c.status], { ...patch, status: mv.to }))) {
        const current = (await this.campaigns.findById(id, m))?.status ?? c.status;
        throw wrongStatus(current, mv.action, mv.from);
      }
      const extra = (await mv.also?.(m, c, now)) ?? {};
      await this.audit.record(m, actor, {
        action: `campaign.${mv.action}`,
        subjectType: 'campaign',
        subjectId: id,
        before: { status: c.status },
        after: { status: mv.to, ...(patch.scheduledAt ? { scheduledAt: patch.scheduledAt.toISOString() } : {}) },
        extra,
      });
      return { ...c, ...patch, status: mv.to };
    });
  }
}
