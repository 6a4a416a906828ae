import { Body, Controller, Get, Inject, Post, Redirect, Render, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { Actor } from '../audit/actor';
import { Ctx, CurrentActor, FormView, MultipartForm, Roles } from '../common/http/decorators';
import { withMultipartForm } from '../common/http/multipart-upload';
import { RequestContext } from '../common/http/request-context';
import { APP_CONFIG, AppConfig } from '../config/config';
import { LogoService } from './brand/logo.service';
import { SettingsForm } from './dto/settings.form';
import { SettingName, SiteSettings, timeZoneNames } from './site-settings';
import { SettingsService } from './settings.service';

/** The fields of the settings page; the logo has its own upload form. */
const PAGE_FIELDS: (Exclude<keyof SettingsForm, 'businessDays'> & SettingName)[] = [
  'schoolName', 'timeZone', 'accentColour', 'mailFromName', 'mailFromAddress', 'marketingFromName', 'marketingFromAddress',
  'consultationOffer', 'consultationPrice', 'ticketAutoCloseDays', 'ticketReopenDays', 'supportNotifyAddress', 'supportInboxAddress',
  'businessHoursFrom', 'businessHoursTo', 'warningTermsText', 'offboardingStaffRefundLimit', 'offboardingAlternatives',
];

/** The ticked weekday boxes as the setting stores them (`1,3,5`); anything else is left as sent, for its check to refuse. */
function weekdaysValue(ticked: string[]): string {
  const days = ticked.filter((v) => v !== '');
  return days.every((d) => /^[1-7]$/.test(d)) ? [...new Set(days)].sort().join(',') : days.join(',');
}

@ApiExcludeController()
@Roles('owner', 'admin')
@Controller('admin/settings')
export class SettingsController {
  constructor(
    private readonly settings: SettingsService,
    private readonly logos: LogoService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

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
    if (body.businessDays !== undefined) input.businessDays = weekdaysValue(body.businessDays);
    await this.settings.update(actor, input);
  }

  /** The logo's own form (multipart/form-data, its `_csrf` field checked as the body is read). */
  @Post('logo')
  @MultipartForm()
  @FormView('settings/settings')
  @Redirect('/admin/settings?notice=settings_saved#logo', 303)
  async logoUpload(@Req() req: Request, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    // A refused logo shows the page with the saved settings: the multipart body carries none of them.
    ctx.formModel = async () => ({ ...this.page(await this.settings.current()), keepValues: true });
    await withMultipartForm(req, (form) => this.logos.upload(actor, form));
  }

  @Post('logo/remove')
  @Redirect('/admin/settings?notice=settings_saved#logo', 303)
  async logoRemove(@CurrentActor() actor: Actor) {
    await this.logos.remove(actor);
  }

  private page(s: SiteSettings) {
    return {
      values: { ...s },
      errors: {},
      timeZones: timeZoneNames().map((z) => ({ value: z, label: z.replace(/_/g, ' ') })),
      // the support inbox's hint names the whole address (null while the inbound listener is off)
      inboundDomain: this.config.inbound.port === null ? null : this.config.inbound.domain,
    };
  }
}
