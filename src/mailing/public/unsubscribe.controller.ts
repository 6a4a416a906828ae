import { Controller, Get, HttpCode, Param, Post, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppError } from '../../common/errors/app-error';
import { Ctx, Public } from '../../common/http/decorators';
import { RequestContext } from '../../common/http/request-context';
import { localeModel, mailingPageLocale, privatePage } from './preferences-page';
import { requireOneClickBody } from './unsubscribe-body';
import { UnsubscribeService, UnsubscribeView } from './unsubscribe.service';

function badLink(): AppError {
  return new AppError('not_found', 'mailing.bad_link', 'mailing.unsub.bad_link');
}

/** What the page shows; never the entities themselves. */
function pageModel(req: Request, ctx: RequestContext, token: string, view: UnsubscribeView, done: boolean) {
  return {
    ...localeModel(mailingPageLocale(req, ctx, view.subscriber.locale)),
    email: view.subscriber.email,
    listName: view.list?.name ?? null,
    done,
    alreadyDone: view.alreadyDone,
    action: `/u/${encodeURIComponent(token)}`,
    preferencesUrl: `/preferences/${encodeURIComponent(view.preferencesToken)}`,
  };
}

/**
 * The List-Unsubscribe URL of every marketing mail (RFC 8058). GET only asks (link scanners and previews follow
 * GETs); POST with `List-Unsubscribe=One-Click` unsubscribes, with no cookie and no CSRF token (exempt in
 * CsrfMiddleware): the HMAC token in the URL is the authority. The page's own button posts the same body.
 */
@ApiExcludeController()
@Public()
@Controller('u')
export class UnsubscribeController {
  constructor(private readonly unsubscribe: UnsubscribeService) {}

  /** The preferences link of a campaign mail (see UnsubscribeService.preferencesTokenFor): on to the preferences page. */
  @Get(':token/preferences')
  preferences(@Param('token') token: string, @Res() res: Response) {
    const prefs = this.unsubscribe.preferencesTokenFor(token);
    if (!prefs) throw badLink();
    privatePage(res);
    res.redirect(303, `/preferences/${encodeURIComponent(prefs)}`);
  }

  @Get(':token')
  @Render('mailing/unsubscribe')
  async confirmPage(@Param('token') token: string, @Ctx() ctx: RequestContext, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    privatePage(res);
    const view = await this.unsubscribe.describe(token);
    if (!view) throw badLink();
    return pageModel(req, ctx, token, view, false);
  }

  @Post(':token')
  @HttpCode(200)
  @Render('mailing/unsubscribe')
  async oneClick(@Param('token') token: string, @Ctx() ctx: RequestContext, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    privatePage(res);
    await requireOneClickBody(req);
    const view = await this.unsubscribe.oneClick(token, ctx.ip);
    if (!view) throw badLink();
    return pageModel(req, ctx, token, view, true);
  }
}
