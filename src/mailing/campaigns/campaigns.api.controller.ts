import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import { Actor } from '../../audit/actor';
import { ApiKeyAuth } from '../../common/http/api-key-auth';
import { CurrentActor } from '../../common/http/decorators';
import { parseId, parsePage } from '../../common/http/pagination';
import { CAMPAIGN_STATUSES, CampaignStatus } from './entities/campaign.entity';
import { CampaignsService, CampaignWithStats } from './campaigns.service';

export class CampaignStatsResponse {
  @ApiProperty({ description: 'Recipient rows written when sending started' }) recipients: number;
  @ApiProperty() sent: number;
  @ApiProperty({ description: 'Temporary failures that ran out of retries' }) failed: number;
  @ApiProperty({ description: 'Permanent (5xx) failures' }) bounced: number;
  @ApiProperty({ description: 'People who unsubscribed through this campaign' }) unsubscribed: number;
  @ApiProperty() pending: number;
  @ApiProperty() sending: number;
  @ApiProperty({ description: 'Not sent: unsubscribed or suppressed by the time of sending, or cancelled' }) skipped: number;
  @ApiProperty({ description: 'A sender stopped mid-send; resent only when an operator asks' }) unknown: number;
  @ApiProperty({ description: 'Settled rows, whole percent', minimum: 0, maximum: 100 }) progress: number;
}

export class CampaignResponse {
  @ApiProperty() id: number;
  @ApiProperty({ maxLength: 300 }) subject: string;
  @ApiProperty() preheader: string;
  @ApiProperty({ enum: ['markdown', 'html'] }) bodyFormat: 'markdown' | 'html';
  @ApiProperty() body: string;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status: CampaignStatus;
  @ApiProperty({ type: [Number], description: 'List ids' }) lists: number[];
  @ApiProperty({ type: [Number], description: 'Product ids: clients with active access' }) products: number[];
  @ApiProperty({ nullable: true, type: Date }) scheduledAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) startedAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) finishedAt: Date | null;
  @ApiProperty() recipients: number;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
  @ApiProperty({ type: CampaignStatsResponse }) stats: CampaignStatsResponse;
}

export class CampaignListItem {
  @ApiProperty() id: number;
  @ApiProperty() subject: string;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status: CampaignStatus;
  @ApiProperty() recipients: number;
  @ApiProperty() progress: number;
  @ApiProperty({ nullable: true, type: Date }) scheduledAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) startedAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) finishedAt: Date | null;
  @ApiProperty() updatedAt: Date;
}

export class CampaignListResponse {
  @ApiProperty({ type: [CampaignListItem] }) items: CampaignListItem[];
  @ApiProperty() total: number;
}

/** Types and rules are checked by the service (one set of messages for forms and API); @Allow keeps the fields. */
export class CreateCampaignDto {
  @ApiProperty({ maxLength: 300 }) @Allow() subject: unknown;
  @ApiProperty({ description: 'Markdown unless bodyFormat is html. Placeholders: {{name}}, {{email}}, {{unsubscribe_url}}, {{preferences_url}}' })
  @Allow()
  body: unknown;
  @ApiProperty({ type: [Number], description: 'List ids (at least one list or product)' }) @Allow() lists: unknown;
  @ApiPropertyOptional({ type: [Number], description: 'Product ids: clients with active access get it too' }) @Allow() products?: unknown;
  @ApiPropertyOptional({ maxLength: 300 }) @Allow() preheader?: unknown;
  @ApiPropertyOptional({ enum: ['markdown', 'html'], default: 'markdown' }) @Allow() bodyFormat?: unknown;
}

export class ScheduleCampaignDto {
  @ApiProperty({ example: '2030-01-01T09:00:00Z', description: 'ISO 8601 instant with a zone, in the future' }) @Allow() at: unknown;
}

export class StartedResponse {
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status: CampaignStatus;
  @ApiProperty() recipients: number;
}

const CONFLICT = { description: 'The campaign is not in a status that allows this; error.details.status names the current one' };

@ApiTags('campaigns')
@ApiKeyAuth()
@Controller('api/admin/campaigns')
export class CampaignsApiController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Get()
  @ApiOkResponse({ type: CampaignListResponse })
  list(@Query('limit') limit?: string, @Query('offset') offset?: string): Promise<CampaignListResponse> {
    return this.campaigns.list(parsePage({ limit, offset }));
  }

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: CampaignResponse })
  create(@Body() body: CreateCampaignDto, @CurrentActor() actor: Actor): Promise<CampaignResponse> {
    return this.campaigns.create(actor, body ?? {});
  }

  @Get(':id')
  @ApiOkResponse({ type: CampaignResponse })
  get(@Param('id') id: string): Promise<CampaignResponse> {
    return this.campaigns.get(parseId(id, 'campaign'));
  }

  @Post(':id')
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse, description: 'Replaces the draft (draft or scheduled only)' })
  @ApiConflictResponse(CONFLICT)
  update(@Param('id') id: string, @Body() body: CreateCampaignDto, @CurrentActor() actor: Actor): Promise<CampaignResponse> {
    return this.campaigns.update(actor, parseId(id, 'campaign'), body ?? {});
  }

  @Post(':id/send')
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse, description: 'Sending started: recipient rows written' })
  @ApiConflictResponse(CONFLICT)
  async send(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<CampaignResponse> {
    const campaignId = parseId(id, 'campaign');
    await this.campaigns.sendNow(actor, campaignId);
    return this.campaigns.get(campaignId);
  }

  @Post(':id/schedule')
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse })
  @ApiConflictResponse(CONFLICT)
  schedule(@Param('id') id: string, @Body() body: ScheduleCampaignDto, @CurrentActor() actor: Actor): Promise<CampaignResponse> {
    return this.changed(id, (cid) => this.campaigns.schedule(actor, cid, body?.at));
  }

  @Post(':id/unschedule')
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse })
  @ApiConflictResponse(CONFLICT)
  unschedule(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<CampaignResponse> {
    return this.changed(id, (cid) => this.campaigns.unschedule(actor, cid));
  }

  @Post(':id/pause')
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse })
  @ApiConflictResponse(CONFLICT)
  pause(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<CampaignResponse> {
    return this.changed(id, (cid) => this.campaigns.pause(actor, cid));
  }

  @Post(':id/resume')
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse })
  @ApiConflictResponse(CONFLICT)
  resume(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<CampaignResponse> {
    return this.changed(id, (cid) => this.campaigns.resume(actor, cid));
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse })
  @ApiConflictResponse(CONFLICT)
  cancel(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<CampaignResponse> {
    return this.changed(id, (cid) => this.campaigns.cancel(actor, cid));
  }

  /** Runs a status change and answers with the campaign as it is afterwards. */
  private async changed(id: string, run: (campaignId: number) => Promise<unknown>): Promise<CampaignWithStats> {
    const campaignId = parseId(id, 'campaign');
    await run(campaignId);
    return this.campaigns.get(campaignId);
  }
}
