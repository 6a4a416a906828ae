import { Body, Controller, Get, Param, Post, Query, Redirect, Render, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Actor } from '../../audit/actor';
import { Ctx, CurrentActor, FormView, Roles } from '../../common/http/decorators';
import { sendMailDocument } from '../../common/http/mail-document';
import { pagerLinks, parseId, parsePage } from '../../common/http/pagination';
import { RequestContext } from '../../common/http/request-context';
import { STAFF_ROLES } from '../../users/entities/user.entity';
import { RECIPIENT_STATUSES, RecipientStatus } from './entities/campaign-recipient.entity';
import { CampaignsService } from './campaigns.service';
import { CampaignFormDto } from './dto/campaign-form.dto';

type Q = Record<string, string | undefined>;

const BASE = '/admin/mailing/campaigns';
const DONE = /^[a-z_]{1,30}$/;

/** Checkbox values as typed, so a form shown again with errors keeps the boxes ticked. */
function ticked(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** `?as=` of the preview: an address as typed (the audience decides whether it is anyone), or none. */
function previewAddress(v: string | undefined): string | undefined {
  const s = v?.trim();
  return s && s.length <= 254 ? s : undefined;
}

/**
 * Campaign pages of the admin. The mail itself is never rendered into an admin page: the preview is its own
 * document under a sandboxing CSP, so campaign HTML cannot act with the operator's session.
 */
@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin/mailing/campaigns')
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Get()
  @Render('mailing/campaigns-list')
  async list(@Query() q: Q) {
    const page = parsePage(q, 50);
    const res = await this.campaigns.list(page);
    return { ...res, pager: pagerLinks(res.total, page, q) };
  }

  @Get('new')
  @Render('mailing/campaign-form')
  async newForm() {
    return { ...(await this.campaigns.formOptions()), campaign: null, selected: { lists: [], products: [] }, values: { bodyFormat: 'markdown' } };
  }

  @Post()
  @FormView('mailing/campaign-form')
  @Redirect(BASE, 303)
  async create(@Body() body: CampaignFormDto, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    ctx.formModel = async () => ({ ...(await this.campaigns.formOptions()), campaign: null, selected: { lists: ticked(body.lists), products: ticked(body.products) } });
    const c = await this.campaigns.create(actor, body);
    return { url: `${BASE}/${c.id}?done=created` };
  }

  @Get(':id')
  @Render('mailing/campaign-show')
  show(@Param('id') id: string, @Query() q: Q) {
    return this.showModel(parseId(id, 'campaign'), q);
  }

  @Get(':id/edit')
  @Render('mailing/campaign-form')
  async editForm(@Param('id') id: string) {
    const { campaign } = await this.campaigns.page(parseId(id, 'campaign'));
    return {
      ...(await this.campaigns.formOptions()),
      campaign,
      selected: { lists: campaign.lists.map(String), products: campaign.products.map(String) },
      values: { subject: campaign.subject, preheader: campaign.preheader, body: campaign.body, bodyFormat: campaign.bodyFormat },
    };
  }

  @Post(':id')
  @FormView('mailing/campaign-form')
  @Redirect(BASE, 303)
  async update(@Param('id') id: string, @Body() body: CampaignFormDto, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const campaignId = parseId(id, 'campaign');
    ctx.formModel = async () => ({
      ...(await this.campaigns.formOptions()),
      campaign: (await this.campaigns.page(campaignId)).campaign,
      selected: { lists: ticked(body.lists), products: ticked(body.products) },
    });
    await this.campaigns.update(actor, campaignId, body);
    return { url: `${BASE}/${campaignId}?done=saved` };
  }

  /**
   * The mail as one member of the audience (`?as=<address>`; the first one without it) will get it, as its own
   * document for the page's sandboxed frame: no scripts, no requests but images (see mail-document.ts). Someone
   * outside the audience is 404.
   */
  @Get(':id/preview')
  async preview(@Param('id') id: string, @Query() q: Q, @Ctx() ctx: RequestContext, @Res() res: Response) {
    sendMailDocument(res, await this.campaigns.previewHtml(parseId(id, 'campaign'), previewAddress(q.as), ctx.locale));
  }

  /** "Send now" asks first, showing how many people the mail would reach. */
  @Get(':id/send')
  @Render('mailing/campaign-confirm')
  async confirmSend(@Param('id') id: string) {
    return this.campaigns.page(parseId(id, 'campaign'));
  }

  @Post(':id/send')
  @FormView('mailing/campaign-confirm')
  @Redirect(BASE, 303)
  async send(@Param('id') id: string, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const campaignId = parseId(id, 'campaign');
    ctx.formModel = () => this.campaigns.page(campaignId);
    await this.campaigns.sendNow(actor, campaignId);
    return { url: `${BASE}/${campaignId}?done=started` };
  }

  @Post(':id/schedule')
  @FormView('mailing/campaign-show')
  @Redirect(BASE, 303)
  async schedule(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const campaignId = parseId(id, 'campaign');
    ctx.formModel = () => this.showModel(campaignId, {});
    // The form's datetime-local value is a local time in the operator's zone, as its label says.
    await this.campaigns.schedule(actor, campaignId, body.at, ctx.timeZone);
    return { url: `${BASE}/${campaignId}?done=scheduled` };
  }

  @Post(':id/test')
  @FormView('mailing/campaign-show')
  @Redirect(BASE, 303)
  async test(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const campaignId = parseId(id, 'campaign');
    ctx.formModel = () => this.showModel(campaignId, {});
    await this.campaigns.sendTest(actor, campaignId, body.email, ctx.locale);
    return { url: `${BASE}/${campaignId}?done=test_sent` };
  }

  @Post(':id/unschedule')
  @FormView('mailing/campaign-show')
  @Redirect(BASE, 303)
  unschedule(@Param('id') id: string, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    return this.change(id, ctx, 'unscheduled', (cid) => this.campaigns.unschedule(actor, cid));
  }

  @Post(':id/pause')
  @FormView('mailing/campaign-show')
  @Redirect(BASE, 303)
  pause(@Param('id') id: string, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    return this.change(id, ctx, 'paused', (cid) => this.campaigns.pause(actor, cid));
  }

  @Post(':id/resume')
  @FormView('mailing/campaign-show')
  @Redirect(BASE, 303)
  resume(@Param('id') id: string, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    return this.change(id, ctx, 'resumed', (cid) => this.campaigns.resume(actor, cid));
  }

  @Post(':id/cancel')
  @FormView('mailing/campaign-show')
  @Redirect(BASE, 303)
  cancel(@Param('id') id: string, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    return this.change(id, ctx, 'cancelled', (cid) => this.campaigns.cancel(actor, cid));
  }

  @Post(':id/requeue-unknown')
  @FormView('mailing/campaign-show')
  @Redirect(BASE, 303)
  requeueUnknown(@Param('id') id: string, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    return this.change(id, ctx, 'requeued', (cid) => this.campaigns.requeueUnknown(actor, cid));
  }

  /** A status button: on a refusal (409) the campaign page is shown again with the reason. */
  private async change(id: string, ctx: RequestContext, done: string, run: (campaignId: number) => Promise<unknown>) {
    const campaignId = parseId(id, 'campaign');
    ctx.formModel = () => this.showModel(campaignId, {});
    await run(campaignId);
    return { url: `${BASE}/${campaignId}?done=${done}` };
  }

  private async showModel(id: number, q: Q) {
    const status = RECIPIENT_STATUSES.includes(q.status as RecipientStatus) ? (q.status as RecipientStatus) : undefined;
    const page = parsePage(q, 50);
    const [model, rows, picker] = await Promise.all([
      this.campaigns.page(id),
      this.campaigns.recipientRows(id, status, page),
      this.campaigns.previewPicker(id, { as: previewAddress(q.as), search: q.find }),
    ]);
    return {
      ...model,
      picker,
      rows: rows.items,
      rowStatus: status ?? '',
      rowStatuses: RECIPIENT_STATUSES,
      pager: pagerLinks(rows.total, page, status ? { status } : {}),
      done: q.done && DONE.test(q.done) ? q.done : null,
      refresh: model.campaign.status === 'sending',
    };
  }
}
