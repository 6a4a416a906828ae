import { Body, Controller, Get, Post, Query, Redirect, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Ctx, FormView, Roles } from '../../common/http/decorators';
import { RequestContext } from '../../common/http/request-context';
import { PreferencesFormDto } from './dto/mailing-forms.dto';
import { preferencesInput, preferencesModel } from './preferences.controller';
import { AccountOwner, PreferencesService } from './preferences.service';

/** The subscriber is always the one with the logged-in client's email: nothing in the request names another. */
function ownerOf(ctx: RequestContext): AccountOwner {
  const u = ctx.user!;
  return { email: u.email, name: u.name, locale: u.locale };
}

const BASE = '/account/mailing';

/** A client's mailing preferences inside /account: the same page as the signed link, for their own address. */
@ApiExcludeController()
@Roles('client')
@Controller('account/mailing')
export class AccountMailingController {
  constructor(private readonly prefs: PreferencesService) {}

  @Get()
  @Render('mailing/account-mailing')
  async page(@Ctx() ctx: RequestContext, @Query('done') done: string) {
    return preferencesModel(await this.prefs.viewForAccount(ownerOf(ctx)), BASE, done);
  }

  @Post()
  @FormView('mailing/account-mailing')
  @Redirect(BASE, 303)
  async save(@Body() body: PreferencesFormDto, @Ctx() ctx: RequestContext) {
    ctx.formModel = async () => preferencesModel(await this.prefs.viewForAccount(ownerOf(ctx)), BASE, null);
    const outcome = await this.prefs.saveForAccount(ownerOf(ctx), preferencesInput(body), { source: 'account', ip: ctx.ip });
    return { url: `${BASE}?done=${outcome}` };
  }

  @Post('unsubscribe-all')
  @Redirect(BASE, 303)
  async unsubscribeAll(@Ctx() ctx: RequestContext) {
    await this.prefs.unsubscribeAllForAccount(ownerOf(ctx), { source: 'account', ip: ctx.ip });
    return { url: `${BASE}?done=all` };
  }
}
