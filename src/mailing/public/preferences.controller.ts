import { Body, Controller, Get, Param, Post, Query, Redirect, Render, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Ctx, FormView, Public } from '../../common/http/decorators';
import { RequestContext } from '../../common/http/request-context';
import { PreferencesFormDto } from './dto/mailing-forms.dto';
import { localeModel, mailingPageLocale, privatePage } from './preferences-page';
import { PreferencesInput, PreferencesService, PreferencesView } from './preferences.service';

const DONE = ['saved', 'blocked', 'all'] as const;

/** Anything in a checkbox group that is not an id is dropped. */
function ids(v: string[] | undefined): number[] {
  return (v ?? []).filter((x) => /^\d{1,9}$/.test(x)).map(Number);
}

export function preferencesInput(body: PreferencesFormDto): PreferencesInput {
  return { lists: ids(body.lists), shown: ids(body.shown), name: body.name, locale: body.locale };
}

/** The page model shared with /account/mailing. */
export function preferencesModel(prefs: PreferencesView, base: string, done: unknown) {
  return {
    prefs,
    action: base,
    allAction: `${base}/unsubscribe-all`,
    done: (DONE as readonly unknown[]).includes(done) ? done : null,
    values: { name: prefs.name, locale: prefs.locale ?? '' },
    errors: {},
  };
}

/**
 * Preferences from the signed link in every marketing mail, no login. The HMAC token in the URL says whose
 * preferences these are. The form still carries the app's usual `_csrf` (a signed double-submit token bound to
 * the kb_csrf cookie, which this page's GET sets for anonymous visitors exactly as /login does), so a third-party
 * page cannot post a change even for someone whose link it knows. Only the one-click URL (/u/…) does without it.
 */
@ApiExcludeController()
@Public()
@Controller('preferences')
export class PreferencesController {
  constructor(private readonly prefs: PreferencesService) {}

  @Get(':token')
  @Render('mailing/preferences')
  async page(@Param('token') token: string, @Query('done') done: string, @Ctx() ctx: RequestContext, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    privatePage(res);
    return this.model(token, done, ctx, req);
  }

  @Post(':token')
  @FormView('mailing/preferences')
  @Redirect('/', 303)
  async save(@Param('token') token: string, @Body() body: PreferencesFormDto, @Ctx() ctx: RequestContext, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    privatePage(res);
    ctx.formModel = () => this.model(token, null, ctx, req);
    const id = await this.prefs.subscriberForToken(token);
    const outcome = await this.prefs.save(id, preferencesInput(body), { source: 'preferences', ip: ctx.ip });
    return { url: `/preferences/${encodeURIComponent(token)}?done=${outcome}` };
  }

  @Post(':token/unsubscribe-all')
  @Redirect('/', 303)
  async unsubscribeAll(@Param('token') token: string, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) res: Response) {
    privatePage(res);
    const id = await this.prefs.subscriberForToken(token);
    await this.prefs.unsubscribeAll(id, { source: 'preferences', ip: ctx.ip });
    return { url: `/preferences/${encodeURIComponent(token)}?done=all` };
  }

  private async model(token: string, done: unknown, ctx: RequestContext, req: Request) {
    const view = await this.prefs.view(await this.prefs.subscriberForToken(token));
    return { ...localeModel(mailingPageLocale(req, ctx, view.locale)), ...preferencesModel(view, `/preferences/${encodeURIComponent(token)}`, done) };
  }
}
