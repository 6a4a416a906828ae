import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Actor } from '../audit/actor';
import { AppError } from '../common/errors/app-error';
import { ApiKeyAuth } from '../common/http/api-key-auth';
import { Ctx, CurrentActor } from '../common/http/decorators';
import { parseId, parsePage } from '../common/http/pagination';
import { RequestContext } from '../common/http/request-context';
import { parseUntil } from '../common/time/zoned-time';
import { CASE_STATUSES, CaseInput, CasePreview, CaseStatus, CaseView, OFFBOARDING_STEPS } from './offboarding.contract';
import { offboardingActor } from './offboarding-actor';
import { OffboardingService } from './offboarding.service';
import {
  BulkOpenDto,
  BulkOpenResponse,
  CaseListResponse,
  CaseResponse,
  OpenCaseDto,
  OpenCaseResponse,
  ReinstateDto,
  RetryDto,
  StepDto,
} from './dto/offboarding.dto';

/** `when` and `banExpiresAt` as the API gives them, read in the site zone (a bare date is the end of that day). */
function moment(v: string | null | undefined, field: string, zone: string): Date | null {
  if (v === undefined || v === null || v === '') return null;
  const r = parseUntil(v, zone);
  if (!r.ok) throw AppError.validation({ [field]: 'offboarding.errors.when' });
  return r.at;
}

function parseStatus(v: string | undefined): CaseStatus | undefined {
  if (v === undefined || v === '') return undefined;
  if ((CASE_STATUSES as readonly string[]).includes(v)) return v as CaseStatus;
  throw AppError.validation({ status: `must be one of ${CASE_STATUSES.join(', ')}` });
}

function parseClientId(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,10}$/.test(v)) throw AppError.validation({ clientId: 'must be a client id' });
  return Number(v);
}

@ApiTags('admin')
@ApiKeyAuth()
@ApiExtraModels(CaseResponse)
@Controller('api/admin')
export class OffboardingApiController {
  constructor(private readonly offboarding: OffboardingService) {}

  @Post('clients/:id/offboarding')
  @ApiOperation({
    summary: 'Offboard a client: open a case (notice, refund, revoke, unsubscribe, ban); with ?dryRun=true, the preview, changing nothing',
    description: 'A repeat while the case is open returns that case with created: false (200). An API key acts as an admin: the case runs without approval.',
  })
  @ApiQuery({ name: 'dryRun', required: false, enum: ['true', 'false'] })
  @ApiBody({ type: OpenCaseDto })
  @ApiCreatedResponse({ type: OpenCaseResponse, description: 'The case (201 when opened, 200 when it was open already); with dryRun, the preview' })
  async open(
    @Param('id') id: string,
    @Body() dto: OpenCaseDto,
    @Query('dryRun') dryRun: string | undefined,
    @CurrentActor() actor: Actor,
    @Ctx() ctx: RequestContext,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ case: CaseView; created: boolean } | CasePreview> {
    if (dryRun !== undefined && dryRun !== 'true' && dryRun !== 'false') throw AppError.validation({ dryRun: 'must be true or false' });
    const clientId = parseId(id, 'client');
    const input: CaseInput = {
      reason: dto.reason,
      evidence: dto.evidence ?? [],
      steps: dto.steps ?? [...OFFBOARDING_STEPS],
      when: dto.when === undefined || dto.when === 'now' ? 'now' : moment(dto.when, 'when', ctx.timeZone)!,
      ...(dto.notice ? { notice: { subject: dto.notice.subject, body: dto.notice.body } } : {}),
      ...(dto.refunds ? { refunds: dto.refunds.map((r) => ({ orderId: r.orderId, amountMinor: r.amountMinor })) } : {}),
      ...(dto.grantIds ? { grantIds: dto.grantIds } : {}),
      banDomain: dto.banDomain ?? false,
      banExpiresAt: moment(dto.banExpiresAt, 'banExpiresAt', ctx.timeZone),
    };
    const who = offboardingActor(actor, ctx);
    if (dryRun === 'true') {
      res.status(200);
      return this.offboarding.preview(who, clientId, input);
    }
    const r = await this.offboarding.open(who, clientId, input);
    res.status(r.created ? 201 : 200);
    return r;
  }

  @Post('offboarding/bulk')
  @HttpCode(200)
  @ApiOperation({ summary: 'Offboard several clients: one case each (default notice, refunds and grants), with the same guarantees' })
  @ApiOkResponse({ type: BulkOpenResponse })
  bulk(@Body() dto: BulkOpenDto, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext): Promise<BulkOpenResponse> {
    const when = dto.when === undefined || dto.when === 'now' ? 'now' : moment(dto.when, 'when', ctx.timeZone)!;
    const input = { reason: dto.reason, evidence: [], steps: dto.steps ?? undefined, when } as Omit<CaseInput, 'refunds' | 'grantIds'>;
    return this.offboarding.openMany(offboardingActor(actor, ctx), dto.clientIds, input);
  }

  @Get('offboarding')
  @ApiOperation({ summary: 'List offboarding cases, newest first' })
  @ApiQuery({ name: 'status', required: false, enum: CASE_STATUSES })
  @ApiQuery({ name: 'clientId', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiOkResponse({ type: CaseListResponse })
  list(@Query() q: Record<string, string | undefined>): Promise<CaseListResponse> {
    return this.offboarding.list({ status: parseStatus(q.status), clientId: parseClientId(q.clientId) }, parsePage(q));
  }

  @Get('offboarding/:caseId')
  @ApiOperation({ summary: 'One case: its status and every step with its status, attempts and result' })
  @ApiOkResponse({ type: CaseResponse })
  get(@Param('caseId') caseId: string): Promise<CaseView> {
    return this.offboarding.get(parseId(caseId, 'offboarding_case'));
  }

  @Post('offboarding/:caseId/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve a proposed case (owner or admin): it runs now, or waits for its date' })
  @ApiOkResponse({ type: CaseResponse })
  approve(@Param('caseId') caseId: string, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext): Promise<CaseView> {
    return this.offboarding.approve(offboardingActor(actor, ctx), parseId(caseId, 'offboarding_case'));
  }

  @Post('offboarding/:caseId/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a case before it starts (proposed or scheduled)' })
  @ApiOkResponse({ type: CaseResponse })
  cancel(@Param('caseId') caseId: string, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext): Promise<CaseView> {
    return this.offboarding.cancel(offboardingActor(actor, ctx), parseId(caseId, 'offboarding_case'));
  }

  @Post('offboarding/:caseId/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Run a failed or retrying step again now (or every one of them when no step is named)' })
  @ApiBody({ type: RetryDto, description: 'A JSON body: {"step": "refund"}, or {} for every failed or retrying step' })
  @ApiOkResponse({ type: CaseResponse })
  retry(@Param('caseId') caseId: string, @Body() dto: RetryDto, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext): Promise<CaseView> {
    return this.offboarding.retry(offboardingActor(actor, ctx), parseId(caseId, 'offboarding_case'), dto.step);
  }

  @Post('offboarding/:caseId/skip')
  @HttpCode(200)
  @ApiOperation({ summary: 'Skip a step that has not finished (recorded with who skipped it)' })
  @ApiOkResponse({ type: CaseResponse })
  skip(@Param('caseId') caseId: string, @Body() dto: StepDto, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext): Promise<CaseView> {
    return this.offboarding.skip(offboardingActor(actor, ctx), parseId(caseId, 'offboarding_case'), dto.step);
  }

  @Post('offboarding/:caseId/reinstate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reinstate the client of a finished case: the picked grants with their original dates, the ban lifted, the account reopened, a welcome-back mail' })
  @ApiOkResponse({ type: CaseResponse })
  reinstate(@Param('caseId') caseId: string, @Body() dto: ReinstateDto, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext): Promise<CaseView> {
    return this.offboarding.reinstate(offboardingActor(actor, ctx), parseId(caseId, 'offboarding_case'), dto);
  }
}
