import { Body, Controller, Get, HttpCode, Param, Post, Redirect, Render } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor } from '../../audit/actor';
import { Ctx, CurrentActor, FormView, Roles } from '../../common/http/decorators';
import { parseId } from '../../common/http/pagination';
import { RequestContext } from '../../common/http/request-context';
import { STAFF_ROLES } from '../../users/entities/user.entity';
import { WarningForm } from './dto/warnings.dto';
import { WarningInput } from './warning-input';
import { WarningsService } from './warnings.service';

const inputOf = (body: WarningForm): WarningInput => ({
  terms: body.terms,
  requestTicketIds: body.requests ?? [],
  estimate: body.estimate,
  intro: body.intro,
  followUpOn: body.followUpOn,
});

/**
 * "Send a warning…" from the client's page: the form, its preview (the mail as the client will receive it, with
 * the checker's hints), sending, and "mark follow-up done". Staff may send one: it is a mail, not a sanction.
 */
@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin/clients/:id/warnings')
export class WarningsController {
  constructor(private readonly warnings: WarningsService) {}

  @Get('new')
  @Render('warnings/new')
  async newForm(@Param('id') id: string) {
    const form = await this.warnings.form(parseId(id, 'client'));
    return { ...form, values: form.defaults, preview: null };
  }

  @Post('preview')
  @HttpCode(200)
  @FormView('warnings/new')
  @Render('warnings/new')
  async preview(@Param('id') id: string, @Body() body: WarningForm, @Ctx() ctx: RequestContext) {
    const clientId = parseId(id, 'client');
    ctx.formModel = async () => ({ ...(await this.warnings.form(clientId)), preview: null });
    const [form, preview] = await Promise.all([this.warnings.form(clientId), this.warnings.preview(clientId, inputOf(body))]);
    return { ...form, values: { ...body, requests: body.requests ?? [] }, preview };
  }

  @Post()
  @FormView('warnings/new')
  @Redirect('/admin/clients', 303)
  async send(@Param('id') id: string, @Body() body: WarningForm, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const clientId = parseId(id, 'client');
    ctx.formModel = async () => ({ ...(await this.warnings.form(clientId)), preview: null });
    await this.warnings.send(actor, clientId, inputOf(body), body.token);
    return { url: `/admin/clients/${clientId}?done=warning_sent#warnings` };
  }

  @Post(':warningId/follow-up-done')
  @Redirect('/admin/clients', 303)
  async followUpDone(@Param('id') id: string, @Param('warningId') warningId: string, @CurrentActor() actor: Actor) {
    const clientId = parseId(id, 'client');
    await this.warnings.markFollowUpDone(actor, clientId, parseId(warningId, 'warning'));
    return { url: `/admin/clients/${clientId}?done=followup_done#warnings` };
  }
}
