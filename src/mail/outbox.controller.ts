import { Controller, Get, Param, Post, Query, Redirect, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Roles } from '../common/http/decorators';
import { pagerLinks, parseId, parsePage } from '../common/http/pagination';
import { STAFF_ROLES } from '../users/entities/user.entity';
import { OutboxService } from './outbox.service';

type Q = Record<string, string | undefined>;

/** The outbox viewer: every email the app sends, as HTML, text and raw headers, with retry for failed ones. */
@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin/outbox')
export class OutboxController {
  constructor(private readonly outbox: OutboxService) {}

  @Get()
  @Render('admin/outbox-list')
  async outboxList(@Query() q: Q) {
    const page = parsePage(q, 50);
    const res = await this.outbox.list(q, page);
    return { ...res, q, pager: pagerLinks(res.total, page, q) };
  }

  @Get(':id')
  @Render('admin/outbox-show')
  async outboxShow(@Param('id') id: string, @Query('view') view: string) {
    return { m: await this.outbox.get(parseId(id, 'message')), view: ['html', 'text', 'headers'].includes(view) ? view : 'html' };
  }

  @Post(':id/retry')
  @Redirect('/admin/outbox', 303)
  async outboxRetry(@Param('id') id: string) {
    await this.outbox.retry(parseId(id, 'message'));
    return { url: `/admin/outbox/${parseId(id)}?notice=retry_queued` };
  }
}
