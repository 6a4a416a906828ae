import { Body, Controller, Get, Param, Post, Query, Redirect, Render, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Actor } from '../../audit/actor';
import { Ctx, CurrentActor, FormView, Roles } from '../../common/http/decorators';
import { pagerLinks, parseId, parsePage } from '../../common/http/pagination';
import { RequestContext } from '../../common/http/request-context';
import { sendDownload } from '../../common/http/send-download';
import { STAFF_ROLES } from '../../users/entities/user.entity';
import { SUBSCRIPTION_STATUSES, SubscriptionStatus } from './entities/subscription.entity';
import { MailingExportService } from '../import/mailing-export.service';
import { ListsService } from '../lists/lists.service';
import { SubscriberFilter } from './subscribers-admin.repository';
import { SubscribersAdminService } from './subscribers-admin.service';

type Q = Record<string, string | undefined>;

/** The search's query string, ignoring what does not parse (a filter link should never be an error page). */
export function subscriberFilterFrom(q: Q): SubscriberFilter {
  const id = q.list && /^\d{1,9}$/.test(q.list) ? Number(q.list) : undefined;
  return {
    q: q.q?.trim().slice(0, 200) || undefined,
    listId: id,
    status: (SUBSCRIPTION_STATUSES as readonly string[]).includes(q.status ?? '') ? (q.status as SubscriptionStatus) : undefined,
    suppressed: q.suppressed === 'yes' ? true : q.suppressed === 'no' ? false : undefined,
  };
}

const done = (v: string | undefined) => (v && /^[a-z_]{1,30}$/.test(v) ? v : null);

@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin/mailing/subscribers')
export class SubscribersAdminController {
  constructor(
    private readonly subscribers: SubscribersAdminService,
    private readonly lists: ListsService,
    private readonly exporter: MailingExportService,
  ) {}

  @Get()
  @Render('mailing/subscribers')
  async search(@Query() q: Q) {
    const page = parsePage(q, 50);
    const [res, lists] = await Promise.all([this.subscribers.search(subscriberFilterFrom(q), page), this.lists.overview()]);
    const exportQuery = new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => ['q', 'list', 'status', 'suppressed'].includes(e[0]) && !!e[1])).toString();
    return { ...res, q, lists, statuses: SUBSCRIPTION_STATUSES, pager: pagerLinks(res.total, page, q), exportQuery };
  }

  /** Before `:id`, so the file name is not taken for an id. */
  @Get('export.csv')
  async export(@Query() q: Q, @CurrentActor() actor: Actor, @Res() res: Response) {
    const { fileName, csv } = await this.exporter.export(actor, subscriberFilterFrom(q));
    await sendDownload(res, { fileName, contentType: 'text/csv; charset=utf-8', body: csv });
  }

  @Get(':id')
  @Render('mailing/subscribers-show')
  async show(@Param('id') id: string, @Query('done') d?: string) {
    return { ...(await this.subscribers.page(parseId(id, 'subscriber'))), done: done(d) };
  }

  @Post(':id/lists')
  @FormView('mailing/subscribers-show')
  @Redirect('/admin/mailing/subscribers', 303)
  async add(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const subscriberId = parseId(id, 'subscriber');
    ctx.formModel = () => this.subscribers.page(subscriberId);
    const outcome = await this.subscribers.addToList(actor, subscriberId, body.listId);
    return { url: `/admin/mailing/subscribers/${subscriberId}?done=${outcome}#lists` };
  }

  @Post(':id/lists/:listId/remove')
  @Redirect('/admin/mailing/subscribers', 303)
  async remove(@Param('id') id: string, @Param('listId') listId: string, @CurrentActor() actor: Actor) {
    const subscriberId = parseId(id, 'subscriber');
    await this.subscribers.removeFromList(actor, subscriberId, parseId(listId, 'list'));
    return { url: `/admin/mailing/subscribers/${subscriberId}?done=removed#lists` };
  }

  @Post(':id/suppress')
  @FormView('mailing/subscribers-show')
  @Redirect('/admin/mailing/subscribers', 303)
  async suppress(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const subscriberId = parseId(id, 'subscriber');
    ctx.formModel = () => this.subscribers.page(subscriberId);
    await this.subscribers.suppress(actor, subscriberId, body.reason, body.note);
    return { url: `/admin/mailing/subscribers/${subscriberId}?done=suppressed#suppression` };
  }

  @Post(':id/unsuppress')
  @FormView('mailing/subscribers-show')
  @Redirect('/admin/mailing/subscribers', 303)
  async unsuppress(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const subscriberId = parseId(id, 'subscriber');
    ctx.formModel = () => this.subscribers.page(subscriberId);
    await this.subscribers.unsuppress(actor, subscriberId, body.note);
    return { url: `/admin/mailing/subscribers/${subscriberId}?done=unsuppressed#suppression` };
  }
}
