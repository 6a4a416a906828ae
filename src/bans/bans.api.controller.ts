import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Actor } from '../audit/actor';
import { ApiKeyAuth } from '../common/http/api-key-auth';
import { Ctx, CurrentActor } from '../common/http/decorators';
import { parseId, parsePage } from '../common/http/pagination';
import { RequestContext } from '../common/http/request-context';
import { parseBanState, parseExpiry } from './ban-input';
import { BanView, BansService } from './bans.service';
import { BanListResponse, BanResponse, CreateBanDto, LiftBanDto } from './dto/bans.dto';

@ApiTags('admin')
@ApiKeyAuth()
@Controller('api/admin/bans')
export class BansApiController {
  constructor(private readonly bans: BansService) {}

  @Get()
  @ApiOperation({ summary: 'List bans (newest first), with their state' })
  @ApiQuery({ name: 'state', required: false, enum: ['active', 'lifted', 'expired'] })
  @ApiQuery({ name: 'q', required: false, description: 'Part of the address key or domain' })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiOkResponse({ type: BanListResponse })
  list(@Query() q: Record<string, string | undefined>): Promise<BanListResponse> {
    return this.bans.search({ state: parseBanState(q.state), q: q.q?.trim() || undefined }, parsePage(q));
  }

  @Post()
  @ApiOperation({ summary: 'Ban an address (its identity: dots, +tags and case variants too) or a domain; ends their sessions' })
  @ApiCreatedResponse({ type: BanResponse })
  async create(@Body() dto: CreateBanDto, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext): Promise<BanView> {
    const cmd = { email: dto.email, domain: dto.domain, reason: dto.reason, expiresAt: parseExpiry(dto.expiresAt, ctx.timeZone), caseId: dto.caseId ?? null };
    return (await this.bans.banNow(actor, cmd)).ban;
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Lift a ban (it stays in the history with who lifted it and why)' })
  @ApiOkResponse({ type: BanResponse })
  lift(@Param('id') id: string, @Body() dto: LiftBanDto, @CurrentActor() actor: Actor): Promise<BanView> {
    return this.bans.liftNow(actor, parseId(id, 'ban'), dto.reason);
  }
}
