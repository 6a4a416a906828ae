import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../../../common/errors/app-error';
import { APP_CONFIG, AppConfig, Locale } from '../../../config/config';
import { ListsRepository } from '../../lists/lists.repository';
import { MailingTokens } from '../../mailing-tokens';
import { AudienceMember, RecipientsRepository } from '../../sender/recipients.repository';
import { CampaignRenderer, RecipientVars } from '../campaign-renderer';
import { campaignNotFound } from '../campaigns.errors';
import { CampaignsRepository } from '../campaigns.repository';
import { Campaign } from '../entities/campaign.entity';

/** How many people the preview's picker offers at a time (a search narrows them). */
export const PREVIEW_PICKS = 20;

export interface PreviewMemberView {
  email: string;
  name: string;
}

export interface PreviewPicker {
  members: PreviewMemberView[];
  /** The one the preview shows; null when the audience (or the search) has nobody. */
  selected: PreviewMemberView | null;
  search: string;
  /** Nobody at all is in the audience: the preview can only use sample data. */
  audienceEmpty: boolean;
}

/**
 * The campaign as one real member of its audience will get it: their name and address, their language, the
 * footer of the list they are reached through, their own unsubscribe and preferences links (the same signed
 * token the send will put in; following it only asks, see UnsubscribeController). Before the start the audience
 * is who the lists and products reach now; after it, the recipient rows the start wrote.
 */
@Injectable()
export class PreviewCampaign {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly campaigns: CampaignsRepository,
    private readonly recipients: RecipientsRepository,
    private readonly lists: ListsRepository,
    private readonly renderer: CampaignRenderer,
    private readonly tokens: MailingTokens,
  ) {}

  /** The picker of the campaign page: the first members (by address, or those matching `search`), one selected. */
  async picker(id: number, input: { as?: string; search?: string }): Promise<PreviewPicker> {
    const c = await this.requireCampaign(id);
    const search = (input.search ?? '').trim().slice(0, 100);
    const members = await this.find(c, { search: search || undefined, limit: PREVIEW_PICKS });
    let selected = members.find((m) => m.email === input.as?.trim().toLowerCase()) ?? null;
    if (!selected && input.as && !search) {
      selected = (await this.find(c, { email: input.as.trim(), limit: 1 }))[0] ?? null;
      if (selected) members.unshift(selected);
    }
    selected ??= members[0] ?? null;
    const audienceEmpty = members.length === 0 && (!search || (await this.find(c, { limit: 1 })).length === 0);
    return { members: members.map(view), selected: selected && view(selected), search, audienceEmpty };
  }

  /**
   * The mail's HTML for `email`, who must be in the audience (anyone else is 404: the preview shows nobody's
   * name and links but its members'). Without an address: the first member; with nobody in the audience, sample data.
   */
  async html(id: number, email: string | undefined, fallbackLocale: Locale): Promise<string> {
    const c = await this.requireCampaign(id);
    const wanted = email?.trim();
    const member = (await this.find(c, wanted ? { email: wanted, limit: 1 } : { limit: 1 }))[0];
    if (!member && wanted) throw AppError.notFound('member');
    if (!member) {
      const { listIds } = await this.campaigns.audienceOf(id);
      const list = listIds.length ? await this.lists.findById(listIds[0]) : null;
      return this.renderer.compile(c, list, await this.renderer.brand()).render({ name: '', email: 'preview@example.com', unsubscribe_url: '#unsubscribe', preferences_url: '#preferences' }, fallbackLocale).html;
    }
    const list = member.listId ? await this.lists.findById(member.listId) : null;
    return this.renderer.compile(c, list, await this.renderer.brand()).render(this.varsFor(c, member), member.locale).html;
  }

  private varsFor(c: Campaign, m: AudienceMember): RecipientVars {
    // (a client reached only through a product gets a subscriber row, and so a token, when the send starts)
    const unsubscribeUrl = m.subscriberId
      ? `${this.config.appUrl}/u/${this.tokens.unsubscribe({ subscriberId: m.subscriberId, campaignId: c.id, listId: m.listId ?? 0 })}`
      : `${this.config.appUrl}/u/preview`;
    return { name: m.name, email: m.email, unsubscribe_url: unsubscribeUrl, preferences_url: `${unsubscribeUrl}/preferences` };
  }

  private async find(c: Campaign, f: { search?: string; email?: string; limit: number }): Promise<AudienceMember[]> {
    if (c.startedAt) return this.recipients.recipientMembers(c.id, f);
    const { listIds, productIds } = await this.campaigns.audienceOf(c.id);
    return this.recipients.audienceMembers(listIds, productIds, f);
  }

  private async requireCampaign(id: number): Promise<Campaign> {
    const c = await this.campaigns.findById(id);
    if (!c) throw campaignNotFound();
    return c;
  }
}

const view = (m: AudienceMember): PreviewMemberView => ({ email: m.email, name: m.name });
