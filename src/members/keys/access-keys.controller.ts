import { Body, Controller, Get, Header, HttpCode, Param, Post, Query, Redirect, Render, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Actor } from '../../audit/actor';
import { Ctx, CurrentActor, FormView, Roles } from '../../common/http/decorators';
import { pagerLinks, parseId, parsePage } from '../../common/http/pagination';
import { RequestContext } from '../../common/http/request-context';
import { STAFF_ROLES } from '../../users/entities/user.entity';
import { AccessKeysService } from './access-keys.service';

type Q = Record<string, string | undefined>;

@ApiExcludeController()
@Controller()
export class AccessKeysController {
  constructor(private readonly keys: AccessKeysService) {}

  @Roles(...STAFF_ROLES)
  @Get('admin/keys')
  @Render('keys/admin')
  async list(@Query() q: Q) {
    const page = parsePage(q, 50);
    const res = await this.keys.list(q, page);
    return { ...res, q, products: await this.keys.productOptions(), pager: pagerLinks(res.total, page, q), values: {}, errors: {} };
  }

  @Roles('owner', 'admin')
  @Post('admin/keys')
  @FormView('keys/admin')
  @Redirect('/admin/keys', 303)
  async generate(@Body() body: Q, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    ctx.formModel = async () => ({ ...(await this.keys.list({}, { limit: 50, offset: 0 })), q: {}, products: await this.keys.productOptions() });
    const { batch } = await this.keys.generateBatch(actor, body);
    return { url: `/admin/keys?batch=${encodeURIComponent(batch)}&notice=keys_generated` };
  }

  @Roles(...STAFF_ROLES)
  @Get('admin/keys/batches/:batch.csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  async csv(@Param('batch') batch: string, @Res({ passthrough: true }) res: Response) {
    const { filename, csv } = await this.keys.batchCsv(batch);
    res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
    return csv;
  }

  @Roles('owner', 'admin')
  @Post('admin/keys/:id/disable')
  @Redirect('/admin/keys', 303)
  async disable(@Param('id') id: string, @CurrentActor() actor: Actor) {
    await this.keys.disable(actor, parseId(id, 'key'));
    return { url: '/admin/keys?notice=key_disabled' };
  }

  @Roles('client')
  @Get('account/redeem')
  @Render('keys/redeem')
  redeemForm() {
    return { values: {}, errors: {} };
  }

  @Roles('client')
  @Post('account/redeem')
  @HttpCode(200)
  @FormView('keys/redeem')
  @Render('keys/redeem')
  async redeem(@Body('code') code: string | undefined, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const redeemed = await this.keys.redeem({ ...actor, userId: ctx.user!.id }, code);
    return { redeemed, values: {}, errors: {} };
  }
}
