import { Injectable } from '@nestjs/common';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { Locale } from '../../config/config';
import { Page } from '../../common/http/pagination';
import { Database } from '../../database/database.service';
import { ProductsRepository } from '../../members/catalogue/products.repository';
import { RecipientStatus } from './entities/campaign-recipient.entity';
import { CampaignStatus } from './entities/campaign.entity';
import { RecipientsRepository } from '../sender/recipients.repository';
import { ListsRepository } from '../lists/lists.repository';
import { AppError } from '../../common/errors/app-error';
import { DraftInput, parseSendAt, parseTestAddress, RawDraft, readDraft } from './campaign-input';
import { CampaignStatsView, CampaignView, EDITABLE, toCampaignView, toStatsView } from './campaign.views';
import { campaignNotFound, wrongStatus } from './campaigns.errors';
import { CampaignsRepository } from './campaigns.repository';
import { CampaignAudience } from './usecases/campaign-audience';
import { CampaignTransitions } from './usecases/campaign-transitions.usecase';
import { PreviewCampaign, PreviewPicker } from './usecases/preview-campaign.usecase';
import { SendTestCampaign } from './usecases/send-test.usecase';
import { StartCampaign } from './usecases/start-campaign.usecase';

export interface CampaignListRow {
  id: number;
  subject: string;
  status: CampaignStatus;
  recipients: number;
  progress: number;
  scheduledAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  updatedAt: Date;
}

export interface CampaignWithStats extends CampaignView {
  stats: CampaignStatsView;
}

export interface RecipientRowView {
  id: number;
  email: string;
  subscriberId: number;
  status: RecipientStatus;
  attempts: number;
  lastError: string | null;
  sentAt: Date | null;
}

/** A type, not an interface, so it can be a form's re-render model. */
export type CampaignPage = {
  campaign: CampaignWithStats;
  editable: boolean;
  /** Who it would reach now; only while it has not started (afterwards the rows are the truth). */
  audienceCount: number | null;
  lists: { id: number; name: string; archived: boolean }[];
  products: { id: number; title: string }[];
};

export type CampaignFormOptions = {
  lists: { id: number; name: string; isPublic: boolean }[];
  products: { id: number; title: string }[];
};

/**
 * Campaigns for the admin pages and the API: drafts, audience, stats. Status changes are use cases
 * (usecases/), so the rules of each stay in one small class; this service is their one entry point.
 */
@Injectable()
export class CampaignsService {
  constructor(
    private readonly db: Database,
    private readonly campaigns: CampaignsRepository,
    private readonly recipients: RecipientsRepository,
    private readonly lists: ListsRepository,
    private readonly products: ProductsRepository,
    private readonly audience: CampaignAudience,
    private readonly audit: AuditService,
    private readonly starter: StartCampaign,
    private readonly transitions: CampaignTransitions,
    private readonly testSender: SendTestCampaign,
    private readonly preview: PreviewCampaign,
  ) {}

  async list(page: Page): Promise<{ items: CampaignListRow[]; total: number }> {
    const [rows, total] = await this.campaigns.list(page.limit, page.offset);
    const counts = await this.campaigns.recipientCounts(rows.map((c) => c.id));
    const items = rows.map((c) => {
      const n = counts.get(c.id) ?? {};
      const all = Object.values(n).reduce((a, b) => a + (b ?? 0), 0);
      const open = (n.pending ?? 0) + (n.claimed ?? 0) + (n.sending ?? 0);
      return {
        id: c.id,
        subject: c.subject,
        status: c.status,
        recipients: all || c.recipients,
        progress: all ? Math.floor(((all - open) * 100) / all) : 0,
        scheduledAt: c.scheduledAt,
        startedAt: c.startedAt,
        finishedAt: c.finishedAt,
        updatedAt: c.updatedAt,
      };
    });
    return { items, total };
  }

  async get(id: number): Promise<CampaignWithStats> {
    const c = await this.campaigns.findById(id);
    if (!c) throw campaignNotFound();
    const [audience, stats] = await Promise.all([this.campaigns.audienceOf(id), this.recipients.stats(id)]);
    return { ...toCampaignView(c, audience), stats: toStatsView(stats) };
  }

  async page(id: number): Promise<CampaignPage> {
    const campaign = await this.get(id);
    const [lists, products, audienceCount] = await Promise.all([
      this.lists.findByIds(campaign.lists),
      this.products.findByIds(campaign.products),
      EDITABLE.includes(campaign.status) ? this.recipients.countAudience(campaign.lists, campaign.products) : Promise.resolve(null),
    ]);
    return {
      campaign,
      editable: EDITABLE.includes(campaign.status),
      audienceCount,
      lists: lists.map((l) => ({ id: l.id, name: l.name, archived: !!l.archivedAt })),
      products: products.sort((a, b) => a.id - b.id).map((p) => ({ id: p.id, title: p.title })),
    };
  }

  /** Lists and products the form offers: active lists, every product (a draft product can have clients too). */
  async formOptions(): Promise<CampaignFormOptions> {
    const [lists, [products]] = await Promise.all([this.lists.listActive(), this.products.listPage({ limit: 200, offset: 0 })]);
    return {
      lists: lists.map((l) => ({ id: l.id, name: l.name, isPublic: l.isPublic })),
      products: products.sort((a, b) => a.id - b.id).map((p) => ({ id: p.id, title: p.title })),
    };
  }

  async audienceCount(id: number): Promise<number> {
    const { listIds, productIds } = await this.campaigns.audienceOf(id);
    return this.recipients.countAudience(listIds, productIds);
  }

  async recipientRows(id: number, status: RecipientStatus | undefined, page: Page): Promise<{ items: RecipientRowView[]; total: number }> {
    const stats = await this.recipients.stats(id);
    const total = status ? stats[status] : stats.recipients;
    const items = total ? await this.recipients.list(id, status, page.limit, page.offset) : [];
    return { items, total };
  }

  async create(actor: Actor, raw: RawDraft): Promise<CampaignWithStats> {
    const input = await this.validDraft(raw);
    const id = await this.db.transaction(async (m) => {
      const c = await this.campaigns.insert(m, {
        subject: input.subject,
        preheader: input.preheader,
        bodyFormat: input.bodyFormat,
        body: input.body,
        createdBy: actor.userId,
      });
      await this.campaigns.setAudience(m, c.id, input.listIds, input.productIds);
      await this.audit.record(m, actor, {
        action: 'campaign.create',
        subjectType: 'campaign',
        subjectId: c.id,
        after: { subject: input.subject, lists: input.listIds, products: input.productIds },
      });
      return c.id;
    });
    return this.get(id);
  }

  /** Only before sending starts: afterwards the recipient rows and the mail already sent would disagree with it. */
  async update(actor: Actor, id: number, raw: RawDraft): Promise<CampaignWithStats> {
    const before = await this.campaigns.findById(id);
    if (!before) throw campaignNotFound();
    if (!EDITABLE.includes(before.status)) throw wrongStatus(before.status, 'edit', EDITABLE);
    const input = await this.validDraft(raw);
    await this.db.transaction(async (m) => {
      const current = await this.campaigns.findById(id, m);
      if (!current || !EDITABLE.includes(current.status)) throw wrongStatus(current?.status ?? before.status, 'edit', EDITABLE);
      await this.campaigns.update(m, id, { subject: input.subject, preheader: input.preheader, bodyFormat: input.bodyFormat, body: input.body });
      await this.campaigns.setAudience(m, id, input.listIds, input.productIds);
      await this.audit.record(m, actor, {
        action: 'campaign.update',
        subjectType: 'campaign',
        subjectId: id,
        before: { subject: before.subject },
        after: { subject: input.subject, lists: input.listIds, products: input.productIds },
      });
    });
    return this.get(id);
  }

  /** The fields' own rules and the audience's (lists exist, not archived; products exist), reported together. */
  private async validDraft(raw: RawDraft): Promise<DraftInput> {
    const { input, fields } = readDraft(raw);
    const audience = await this.audience.problems(input.listIds, input.productIds);
    const all = { ...audience, ...fields };
    if (Object.keys(all).length) throw AppError.validation(all);
    return input;
  }

  /** The mail as `email`, a member of the campaign's audience, will get it (see PreviewCampaign). */
  previewHtml(id: number, email: string | undefined, locale: Locale): Promise<string> {
    return this.preview.html(id, email, locale);
  }

  /** Whom the campaign page's preview may show, and which of them it shows. */
  previewPicker(id: number, input: { as?: string; search?: string }): Promise<PreviewPicker> {
    return this.preview.picker(id, input);
  }

  sendNow(actor: Actor, id: number): Promise<{ recipients: number }> {
    return this.starter.execute(actor, id);
  }

  /** Called by the scheduler job (under the database lease). */
  startDueScheduled(now = new Date()): Promise<{ started: number[]; failed: number[] }> {
    return this.starter.startDue(now);
  }

  /** `at` without a zone is a local time in `timeZone`. */
  async schedule(actor: Actor, id: number, at: unknown, timeZone: string): Promise<void> {
    return this.transitions.schedule(actor, id, parseSendAt(at, new Date(), timeZone));
  }

  unschedule(actor: Actor, id: number): Promise<void> {
    return this.transitions.unschedule(actor, id);
  }

  pause(actor: Actor, id: number): Promise<void> {
    return this.transitions.pause(actor, id);
  }

  resume(actor: Actor, id: number): Promise<void> {
    return this.transitions.resume(actor, id);
  }

  cancel(actor: Actor, id: number): Promise<void> {
    return this.transitions.cancel(actor, id);
  }

  requeueUnknown(actor: Actor, id: number): Promise<number> {
    return this.transitions.requeueUnknown(actor, id);
  }

  async sendTest(actor: Actor, id: number, email: unknown, locale: Locale): Promise<void> {
    return this.testSender.execute(actor, id, parseTestAddress(email), locale);
  }
}
