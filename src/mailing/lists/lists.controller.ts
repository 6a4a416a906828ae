import { Body, Controller, Get, Param, Post, Query, Redirect, Render, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Actor } from '../../audit/actor';
import { Ctx, CurrentActor, FormView, Roles } from '../../common/http/decorators';
import { parseId } from '../../common/http/pagination';
import { RequestContext } from '../../common/http/request-context';
import { sendDownload } from '../../common/http/send-download';
import { STAFF_ROLES } from '../../users/entities/user.entity';
import { MailingExportService } from '../import/mailing-export.service';
import { ListsService } from './lists.service';

type Q = Record<string, string | undefined>;

const done = (v: string | undefined) => (v && /^[a-z_]{1,30}$/.test(v) ? v : null);
/** An unchecked checkbox sends nothing: on these forms that means "no". */
const listInput = (b: Q) => ({ name: b.name, description: b.description ?? '', isPublic: b.isPublic ?? 'off', optIn: b.optIn });

@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin/mailing/lists')
export class ListsController {
  constructor(
    private readonly lists: ListsService,
    private readonly exporter: MailingExportService,
  ) {}

  @Get()
  @Render('mailing/lists')
  async index(@Query('done') d?: string) {
    return { lists: await this.lists.overview(), done: done(d) };
  }

  @Post()
  @FormView('mailing/lists')
  @Redirect('/admin/mailing/lists', 303)
  async create(@Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    ctx.formModel = async () => ({ lists: await this.lists.overview() });
    const list = await this.lists.create(actor, listInput(body));
    return { url: `/admin/mailing/lists/${list.id}?done=created` };
  }

  @Get(':id')
  @Render('mailing/lists-show')
  async show(@Param('id') id: string, @Query('done') d?: string) {
    return { list: await this.lists.get(parseId(id, 'list')), done: done(d) };
  }

  @Get(':id/export.csv')
  async export(@Param('id') id: string, @Query() q: Q, @CurrentActor() actor: Actor, @Res() res: Response) {
    const status = q.status === 'confirmed' || q.status === 'unconfirmed' || q.status === 'unsubscribed' ? q.status : undefined;
    const { fileName, csv } = await this.exporter.export(actor, { listId: parseId(id, 'list'), status });
    await sendDownload(res, { fileName, contentType: 'text/csv; charset=utf-8', body: csv });
  }

  @Post(':id')
  @FormView('mailing/lists-show')
  @Redirect('/admin/mailing/lists', 303)
  async update(@Param('id') id: string, @Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const listId = parseId(id, 'list');
    ctx.formModel = async () => ({ list: await this.lists.get(listId) });
    await this.lists.update(actor, listId, listInput(body));
    return { url: `/admin/mailing/lists/${listId}?done=saved` };
  }

  @Post(':id/archive')
  @Redirect('/admin/mailing/lists', 303)
  async archive(@Param('id') id: string, @CurrentActor() actor: Actor) {
    const list = await this.lists.setArchived(actor, parseId(id, 'list'), true);
    return { url: `/admin/mailing/lists/${list.id}?done=archived` };
  }

  @Post(':id/unarchive')
  @Redirect('/admin/mailing/lists', 303)
  async unarchive(@Param('id') id: string, @CurrentActor() actor: Actor) {
    const list = await this.lists.setArchived(actor, parseId(id, 'list'), false);
    return { url: `/admin/mailing/lists/${list.id}?done=unarchived` };
  }
}
