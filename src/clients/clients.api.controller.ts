import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Actor } from '../audit/actor';
import { ClientAccessService } from './client-access.service';
import { ClientsService } from './clients.service';
import { ClientResponse, ClientListResponse, CreateClientDto, CreateGrantDto, GrantListResponse, GrantResponse, RevokeGrantDto } from './dto/clients.dto';
import { ApiKeyAuth } from '../common/http/api-key-auth';
import { Ctx, CurrentActor } from '../common/http/decorators';
import { RequestContext } from '../common/http/request-context';
import { parseId, parsePage } from '../common/http/pagination';
import { GrantView } from '../members/access/grants.service';

type Q = Record<string, string | undefined>;

function toGrantResponse(g: GrantView): GrantResponse {
  return { id: g.id, productId: g.productId, startsAt: g.startsAt, endsAt: g.endsAt, active: g.active, source: g.source, revokedAt: g.revokedAt };
}

@ApiTags('admin')
@ApiKeyAuth()
@Controller('api/admin/clients')
export class ClientsApiController {
  constructor(
    private readonly clients: ClientsService,
    private readonly access: ClientAccessService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List clients' })
  @ApiQuery({ name: 'email', required: false, description: 'Exact email, case-insensitive' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiOkResponse({ type: ClientListResponse })
  list(@Query() q: Q): Promise<ClientListResponse> {
    return this.clients.list({ email: q.email?.trim() || undefined }, parsePage(q)).then(({ items, total }) => ({
      items: items.map(({ id, email, name, createdAt, labels }) => ({ id, email, name, createdAt, labels })),
      total,
    }));
  }

  @Post()
  @ApiOperation({ summary: 'Create a client (and send the welcome mail, unless welcome is false)' })
  @ApiCreatedResponse({ type: ClientResponse })
  create(@Body() dto: CreateClientDto, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext): Promise<ClientResponse> {
    return this.clients.create(actor, { email: dto.email, name: dto.name, locale: dto.locale, welcome: dto.welcome }, 'api', ctx.timeZone);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a client' })
  @ApiOkResponse({ type: ClientResponse })
  get(@Param('id') id: string): Promise<ClientResponse> {
    return this.clients.get(parseId(id, 'client'));
  }

  @Get(':id/grants')
  @ApiOperation({ summary: "List a client's access grants" })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiOkResponse({ type: GrantListResponse })
  async grants(@Param('id') id: string, @Query() q: Q): Promise<GrantListResponse> {
    const res = await this.access.list(parseId(id, 'client'), parsePage(q));
    return { items: res.items.map(toGrantResponse), total: res.total };
  }

  @Post(':id/grants')
  @ApiOperation({ summary: 'Grant a client access to a product' })
  @ApiCreatedResponse({ type: GrantResponse })
  async grant(@Param('id') id: string, @Body() dto: CreateGrantDto, @CurrentActor() actor: Actor, @Ctx() ctx: RequestContext): Promise<GrantResponse> {
    const input = { productId: dto.productId, endsAt: dto.endsAt ?? null, reason: dto.reason, timeZone: ctx.timeZone };
    return toGrantResponse(await this.access.grant(actor, parseId(id, 'client'), input));
  }

  @Post(':id/grants/:grantId/revoke')
  @ApiOperation({ summary: "Revoke a client's access grant" })
  @HttpCode(200)
  @ApiOkResponse({ type: GrantResponse })
  async revoke(@Param('id') id: string, @Param('grantId') grantId: string, @Body() dto: RevokeGrantDto, @CurrentActor() actor: Actor): Promise<GrantResponse> {
    return toGrantResponse(await this.access.revoke(actor, parseId(id, 'client'), parseId(grantId, 'grant'), dto.reason));
  }
}
