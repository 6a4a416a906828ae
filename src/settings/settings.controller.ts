import { Body, Controller, Get, Post, Redirect, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor } from '../audit/actor';
import { Ctx, CurrentActor, FormView, Roles } from '../common/http/decorators';
import { RequestContext } from '../common/http/request-context';
import { SettingsForm } from './dto/settings.form';
import { SettingName, SiteSettings, timeZoneNames } from './site-settings';
import { SettingsService } from './settings.service';

/** The fields of the settings page; the logo has its own upload form. */
const PAGE_FIELDS: (keyof SettingsForm & SettingName)[] = [
  'schoolName', 'timeZone', 'accentColour', 'mailFromName', 'mailFromAddress', 'marketingFromName', 'marketingFromAddress',
  'consultationOffer', 'consultationPrice', 'ticketAutoCloseDays', 'ticketReopenDays', 'supportNotifyAddress',
];

@ApiExcludeController()
@Roles('owner', 'admin')
@Controller('admin/settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @Render('settings/settings')
  async settingsPage() {
    return this.page(await this.settings.current());
  }

  @Post()
  @FormView('settings/settings')
  @Redirect('/admin/settings?notice=settings_saved', 303)
  async settingsSave(@Body() body: SettingsForm, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    ctx.formModel = async () => this.page(await this.settings.current());
    const input: Partial<Record<SettingName, string>> = {};
    for (const n of PAGE_FIELDS) if (body[n] !== undefined) input[n] = body[n];
    await this.settings.update(actor, input);
  }

  private page(s: SiteSettings) {
    return { values: { ...s }, errors: {}, timeZones: timeZoneNames().map((z) => ({ value: z, label: z.replace(/_/g, ' ') })) };
  }
}
