import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiConflictResponse, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor } from '../../audit/actor';
import { ApiKeyAuth } from '../../common/http/api-key-auth';
import { Ctx, CurrentActor } from '../../common/http/decorators';
import { RequestContext } from '../../common/http/request-context';
import { parseId, parsePage } from '../../common/http/pagination';
import { CampaignsService, CampaignWithStats } from './campaigns.service';
import { CampaignResponse, CampaignListResponse, CreateCampaignDto, ScheduleCampaignDto } from './dto/campaigns.dto';

const CONFLICT = { description: 'The campaign is not in a status that allows this; error.details.status names the current one' };

@ApiTags('campaigns')
@ApiKeyAuth()
@Controller('api/admin/campaigns')
export class CampaignsApiController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Get()
  @ApiOperation({ summary: 'List campaigns' })
  @ApiOkResponse({ type: CampaignListResponse })
  list(@Query('limit') limit?: string, @Query('offset') offset?: string): Promise<CampaignListResponse> {
    return this.campaigns.list(parsePage({ limit, offset }));
  }

  @Post()
  @ApiOperation({ summary: 'Create a draft campaign' })
  @HttpCode(201)
  @ApiCreatedResponse({ type: CampaignResponse })
  create(@Body() body: CreateCampaignDto, @CurrentActor() actor: Actor): Promise<CampaignResponse> {
    return this.campaigns.create(actor, body ?? {});
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a campaign' })
  @ApiOkResponse({ type: CampaignResponse })
  get(@Param('id') id: string): Promise<CampaignResponse> {
    return this.campaigns.get(parseId(id, 'campaign'));
  }

  @Post(':id')
  @ApiOperation({ summary: 'Update a draft campaign' })
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse, description: 'Replaces the draft (draft or scheduled only)' })
  @ApiConflictResponse(CONFLICT)
  update(@Param('id') id: string, @Body() body: CreateCampaignDto, @CurrentActor() actor: Actor): Promise<CampaignResponse> {
    return this.campaigns.update(actor, parseId(id, 'campaign'), body ?? {});
  }

  @Post(':id/send')
  @ApiOperation({ summary: 'Send a campaign now' })
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse, description: 'Sending started: recipient rows written' })
  @ApiConflictResponse(CONFLICT)
  async send(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<CampaignResponse> {
    const campaignId = parseId(id, 'campaign');
    await this.campaigns.sendNow(actor, campaignId);
    return this.campaigns.get(campaignId);
  }

  @Post(':id/schedule')
  @ApiOperation({ summary: 'Schedule a campaign' })
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse })
  @ApiConflictResponse(CONFLICT)
  schedule(@Param('id') id: string, @Body() body: ScheduleCampaignDto, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext): Promise<CampaignResponse> {
    return this.changed(id, (cid) => this.campaigns.schedule(actor, cid, body?.at, ctx.timeZone));
  }

  @Post(':id/unschedule')
  @ApiOperation({ summary: 'Unschedule a campaign (back to draft)' })
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse })
  @ApiConflictResponse(CONFLICT)
  unschedule(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<CampaignResponse> {
    return this.changed(id, (cid) => this.campaigns.unschedule(actor, cid));
  }

  @Post(':id/pause')
  @ApiOperation({ summary: 'Pause a sending campaign' })
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse })
  @ApiConflictResponse(CONFLICT)
  pause(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<CampaignResponse> {
    return this.changed(id, (cid) => this.campaigns.pause(actor, cid));
  }

  @Post(':id/resume')
  @ApiOperation({ summary: 'Resume a paused campaign' })
  @HttpCode(200)
  @ApiOkResponse({ type: CampaignResponse })
  @ApiConflictResponse(CONFLICT)
  resume(@Param('id') id: string, @CurrentActor() actor: Actor): Promise<CampaignResponse> {
    return this.changed(id, (cid) => this.campaigns.resume(actor, cid));
  }

  @Post(':id/cancel')
  @ApiOperation({ summary: 'Cancel a campaign' })
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
