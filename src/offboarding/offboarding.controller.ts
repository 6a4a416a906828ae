import { Body, Controller, Get, HttpCode, Param, Post, Query, Redirect, Render, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { Actor } from '../audit/actor';
import { AppError } from '../common/errors/app-error';
import { Ctx, CurrentActor, FormView, Roles } from '../common/http/decorators';
import { pagerLinks, parseId, parsePage } from '../common/http/pagination';
import { RequestContext } from '../common/http/request-context';
import { STAFF_ROLES } from '../users/entities/user.entity';
import {
  bulkInputFromForm,
  carriedFields,
  caseInputFromForm,
  clientIdsFromForm,
  Form,
  freshValues,
  isFirstFormError,
  onFormFields,
  parseStep,
  reinstateInputFromForm,
} from './dto/case-form';
import { CASE_STATUSES, CaseInput, CaseStatus, OffboardingActor } from './offboarding.contract';
import { OffboardingPagesService } from './offboarding-pages.service';
import { OffboardingService } from './offboarding.service';

const actorOf = (actor: Actor, ctx: RequestContext): OffboardingActor => ({ ...actor, role: ctx.user!.role });
const DONE = /^[a-z_]{1,30}$/;

/** The case page's first line after "Start": what happens next depends on what the case became. */
function doneAfterOpen(created: boolean, status: CaseStatus): string {
  if (!created) return 'already_open';
  return status === 'proposed' || status === 'scheduled' ? status : 'opened';
}

function statusFilter(v: string | undefined): CaseStatus | undefined {
  return v && (CASE_STATUSES as readonly string[]).includes(v) ? (v as CaseStatus) : undefined;
}

/**
 * Admin → Offboarding: letting a client go gently. Staff open and propose cases; owners and admins approve,
 * cancel, retry, skip and reinstate (the workflow checks the rules; the pages only show what applies).
 */
@ApiExcludeController()
@Roles(...STAFF_ROLES)
@Controller('admin')
export class OffboardingController {
  constructor(
    private readonly pages: OffboardingPagesService,
    private readonly ops: OffboardingService,
  ) {}

  // ---- one client ----------------------------------------------------------------------------------------

  @Get('clients/:id/offboarding')
  @Render('offboarding/client')
  async clientTab(@Param('id') id: string) {
    return this.pages.clientTab(parseId(id, 'client'));
  }

  @Get('clients/:id/offboarding/new')
  @Render('offboarding/new')
  async newForm(@Param('id') id: string) {
    return { ...(await this.pages.newForm(parseId(id, 'client'))), values: freshValues(), errors: {} };
  }

  /** "Change the case" on the preview: the first form again, as it was filled. */
  @Post('clients/:id/offboarding/edit')
  @HttpCode(200)
  @Render('offboarding/new')
  async editForm(@Param('id') id: string, @Body() body: Form) {
    return { ...(await this.pages.newForm(parseId(id, 'client'))), values: body, errors: {} };
  }

  /** The dry run, and "Check again" with the edited notice and amounts. Changes nothing. */
  @Post('clients/:id/offboarding/preview')
  @HttpCode(200)
  @FormView('offboarding/new')
  @Render('offboarding/preview')
  async preview(@Param('id') id: string, @Body() body: Form, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const clientId = parseId(id, 'client');
    return this.showAgainOn(ctx, clientId, body, actor, (input) => this.previewModel(actor, ctx, clientId, body, input));
  }

  /** Start (or propose, for staff over the limit). A second click gets the same case. */
  @Post('clients/:id/offboarding')
  @FormView('offboarding/new')
  @Redirect('/admin/offboarding', 303)
  async open(@Param('id') id: string, @Body() body: Form, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const clientId = parseId(id, 'client');
    const opened = await this.showAgainOn(ctx, clientId, body, actor, (input) => this.ops.open(actorOf(actor, ctx), clientId, input));
    return { url: `/admin/offboarding/${opened.case.id}?done=${doneAfterOpen(opened.created, opened.case.status)}` };
  }

  private async previewModel(actor: Actor, ctx: RequestContext, clientId: number, body: Form, input: CaseInput) {
    return { ...(await this.pages.preview(actorOf(actor, ctx), clientId, input, ctx.locale)), clientId, carried: carriedFields(body), values: body, errors: {} };
  }

  /**
   * Reads the form and runs `run`. A refusal is shown again where its field is: one of the first form's (the
   * reason, the steps, the date) on that form; one of the preview's own (the notice, an amount) on the preview,
   * computed with its defaults so it can be shown at all, with what was typed over them.
   */
  private async showAgainOn<T>(ctx: RequestContext, clientId: number, body: Form, actor: Actor, run: (input: CaseInput) => Promise<T>): Promise<T> {
    let input: CaseInput | null = null;
    try {
      input = caseInputFromForm(body, ctx.timeZone);
      return await run(input);
    } catch (raw) {
      const e = onFormFields(raw, input);
      if (e instanceof AppError && Object.keys(e.fields).length && !isFirstFormError(e)) {
        ctx.formView = 'offboarding/preview';
        const first = Object.fromEntries(carriedFields(body).map((f) => [f.name, f.value]));
        ctx.formModel = () => this.previewModel(actor, ctx, clientId, body, caseInputFromForm(first, ctx.timeZone));
      } else ctx.formModel = () => this.pages.newForm(clientId);
      throw e;
    }
  }

  // ---- bulk ----------------------------------------------------------------------------------------------

  /** From the clients list's "Offboard selected": the case for all of them. */
  @Post('offboarding/bulk/new')
  @HttpCode(200)
  @Render('offboarding/bulk-new')
  async bulkForm(@Body() body: Form) {
    return { ...(await this.pages.bulkForm(clientIdsFromForm(body))), values: freshValues(), errors: {} };
  }

  @Post('offboarding/bulk')
  @HttpCode(200)
  @FormView('offboarding/bulk-new')
  @Render('offboarding/bulk-result')
  async bulkOpen(@Body() body: Form, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const clientIds = clientIdsFromForm(body);
    ctx.formModel = () => this.pages.bulkForm(clientIds);
    return this.pages.bulkResult(actorOf(actor, ctx), clientIds, bulkInputFromForm(body, ctx.timeZone), ctx.locale);
  }

  // ---- cases ---------------------------------------------------------------------------------------------

  @Get('offboarding')
  @Render('offboarding/list')
  async list(@Query() q: Form) {
    const page = parsePage(q, 50);
    const status = statusFilter(q.status);
    const res = await this.pages.list({ status }, page);
    return { ...res, status: status ?? '', statuses: CASE_STATUSES, pager: pagerLinks(res.total, page, q) };
  }

  @Get('offboarding/:id')
  @Render('offboarding/show')
  async show(@Param('id') id: string, @Query('done') done: string | undefined, @Ctx() ctx: RequestContext) {
    return { ...(await this.pages.casePage(parseId(id, 'case'), ctx.user!.role, ctx.locale)), done: done && DONE.test(done) ? done : null, values: {}, errors: {} };
  }

  /** The printable record; `?download=1` saves it as a file (its styles inline, so it reads the same offline). */
  @Get('offboarding/:id/record')
  @Render('offboarding/record')
  async record(@Param('id') id: string, @Query('download') download: string | undefined, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) res: Response) {
    const caseId = parseId(id, 'case');
    const model = await this.pages.record(caseId, ctx.user!.role, ctx.locale);
    const asFile = download === '1';
    if (asFile) res.setHeader('Content-Disposition', `attachment; filename="offboarding-${caseId}.html"`);
    return { ...model, download: asFile, inlineCss: asFile ? this.pages.recordCss() : null };
  }

  @Post('offboarding/:id/approve')
  @Roles('owner', 'admin')
  @FormView('offboarding/show')
  @Redirect('/admin/offboarding', 303)
  async approve(@Param('id') id: string, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const caseId = this.pageOnError(id, ctx);
    await this.ops.approve(actorOf(actor, ctx), caseId);
    return { url: `/admin/offboarding/${caseId}?done=approved` };
  }

  @Post('offboarding/:id/cancel')
  @Roles('owner', 'admin')
  @FormView('offboarding/show')
  @Redirect('/admin/offboarding', 303)
  async cancel(@Param('id') id: string, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const caseId = this.pageOnError(id, ctx);
    await this.ops.cancel(actorOf(actor, ctx), caseId);
    return { url: `/admin/offboarding/${caseId}?done=canceled` };
  }

  @Post('offboarding/:id/steps/:step/retry')
  @Roles('owner', 'admin')
  @FormView('offboarding/show')
  @Redirect('/admin/offboarding', 303)
  async retry(@Param('id') id: string, @Param('step') step: string, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const caseId = this.pageOnError(id, ctx);
    await this.ops.retry(actorOf(actor, ctx), caseId, parseStep(step));
    return { url: `/admin/offboarding/${caseId}?done=retried` };
  }

  @Post('offboarding/:id/steps/:step/skip')
  @Roles('owner', 'admin')
  @FormView('offboarding/show')
  @Redirect('/admin/offboarding', 303)
  async skip(@Param('id') id: string, @Param('step') step: string, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const caseId = this.pageOnError(id, ctx);
    await this.ops.skip(actorOf(actor, ctx), caseId, parseStep(step));
    return { url: `/admin/offboarding/${caseId}?done=skipped` };
  }

  @Post('offboarding/:id/reinstate')
  @Roles('owner', 'admin')
  @FormView('offboarding/show')
  @Redirect('/admin/offboarding', 303)
  async reinstate(@Param('id') id: string, @Body() body: Form, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext) {
    const caseId = this.pageOnError(id, ctx);
    await this.ops.reinstate(actorOf(actor, ctx), caseId, reinstateInputFromForm(body));
    return { url: `/admin/offboarding/${caseId}?done=reinstated` };
  }

  /** An action refused (the case moved on meanwhile) shows the case page again with the reason. */
  private pageOnError(id: string, ctx: RequestContext): number {
    const caseId = parseId(id, 'case');
    ctx.formModel = async () => ({ ...(await this.pages.casePage(caseId, ctx.user!.role, ctx.locale)), done: null });
    return caseId;
  }
}
