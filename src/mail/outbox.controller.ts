import { Controller, Get, Param, Post, Query, Redirect, Render, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles } from '../common/http/decorators';
import { sendMailDocument } from '../common/http/mail-document';
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
    // ?view=text is the old address of the text part, which now stands beside the HTML.
    return { m: await this.outbox.get(parseId(id, 'message')), view: view === 'headers' ? 'headers' : 'mail' };
  }

  /** The mail's HTML for the page's sandboxed frame, under a CSP of its own (see mail-document.ts). */
  @Get(':id/html')
  async outboxHtml(@Param('id') id: string, @Res() res: Response) {
    sendMailDocument(res, await this.outbox.html(parseId(id, 'message')));
  }

  @Post(':id/retry')
  @Redirect('/admin/outbox', 303)
  async outboxRetry(@Param('id') id: string) {
    await this.outbox.retry(parseId(id, 'message'));
    return { url: `/admin/outbox/${parseId(id)}?notice=retry_queued` };
  }
}
