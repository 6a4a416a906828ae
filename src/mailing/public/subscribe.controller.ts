import { Body, Controller, Get, HttpCode, Param, Post, Query, Redirect, Render, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Ctx, FormView, Public } from '../../common/http/decorators';
import { RequestContext } from '../../common/http/request-context';
import { SubscribeFormDto, SubscribePageQuery } from './dto/mailing-forms.dto';
import { SubscribeService } from './subscribe.service';

/**
 * Public pages: the subscribe form (also the target of the form embedded on other sites, so its POST is the
 * one browser POST that needs no CSRF token: see CsrfMiddleware) and the double opt-in confirmation, where GET
 * only shows a button and POST confirms, so a mail scanner that follows links confirms nothing.
 */
@ApiExcludeController()
@Public()
@Controller()
export class SubscribeController {
  constructor(private readonly subscribe: SubscribeService) {}

  @Get('subscribe')
  @Render('mailing/subscribe')
  form(@Query() q: SubscribePageQuery) {
    return this.subscribe.formModel(q.list);
  }

  @Post('subscribe')
  @FormView('mailing/subscribe')
  @Redirect('/subscribe/thanks', 303)
  async submit(@Body() body: SubscribeFormDto, @Ctx() ctx: RequestContext) {
    ctx.formModel = () => this.subscribe.formModel(body.lists);
    const state = await this.subscribe.submit(body, ctx.ip, ctx.locale);
    return { url: `/subscribe/thanks?state=${state}` };
  }

  @Get('subscribe/thanks')
  @Render('mailing/subscribe-thanks')
  thanks(@Query('state') state?: string) {
    return { state: state === 'subscribed' ? 'subscribed' : 'check_mail' };
  }

  @Get('mailing/confirm/:token')
  @Render('mailing/subscribe-confirm')
  async confirmPage(@Param('token') token: string, @Query('lists') lists: string | undefined, @Res({ passthrough: true }) res: Response) {
    const view = await this.subscribe.describeConfirmation(token, lists);
    if (!view.valid) res.status(404);
    return { ...view, token, listsParam: typeof lists === 'string' ? lists : '' };
  }

  @Post('mailing/confirm/:token')
  @HttpCode(200)
  @Render('mailing/subscribe-confirm')
  async confirm(@Param('token') token: string, @Query('lists') lists: string | undefined, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) res: Response) {
    const done = await this.subscribe.confirm(token, lists, ctx.ip);
    if (!done) res.status(404);
    return { valid: !!done, confirmed: !!done, lists: done?.lists ?? [], token, listsParam: '' };
  }
}
