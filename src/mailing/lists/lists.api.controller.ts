import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Actor } from '../../audit/actor';
import { ApiKeyAuth } from '../../common/http/api-key-auth';
import { CurrentActor } from '../../common/http/decorators';
import { parseId, parsePage } from '../../common/http/pagination';
import { translate } from '../../i18n/i18n';
import { ListsService, ListView } from './lists.service';
import { SubscribersAdminService } from '../subscribers/subscribers-admin.service';
import { CreateListDto, ListListResponse, ListResponse, UpdateListDto } from './dto/lists.dto';
import { AddSubscribersDto, SubscribeBatchResponse, SubscribeOutcomeResponse, subscribeResponseSchema } from '../subscribers/dto/subscribers.dto';

type Q = Record<string, string | undefined>;

export function toListResponse(l: ListView): ListResponse {
  return { id: l.id, name: l.name, description: l.description || null, optIn: l.optIn, public: l.isPublic, archived: l.archived, createdAt: l.createdAt, counts: l.counts };
}

@ApiTags('mailing')
@ApiKeyAuth()
@ApiExtraModels(SubscribeOutcomeResponse, SubscribeBatchResponse)
@Controller('api/admin/lists')
export class ListsApiController {
  constructor(
    private readonly lists: ListsService,
    private readonly subscribers: SubscribersAdminService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List mailing lists' })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiOkResponse({ type: ListListResponse, description: 'Every list, archived ones last' })
  async list(@Query() q: Q): Promise<ListListResponse> {
    const page = parsePage(q);
    const all = await this.lists.overview();
    return { items: all.slice(page.offset, page.offset + page.limit).map(toListResponse), total: all.length };
  }

  @Post()
  @ApiOperation({ summary: 'Create a mailing list' })
  @ApiCreatedResponse({ type: ListResponse })
  async create(@Body() dto: CreateListDto, @CurrentActor() actor: Actor): Promise<ListResponse> {
    return toListResponse(await this.lists.create(actor, { name: dto.name, description: dto.description ?? null, isPublic: dto.public ?? false, optIn: dto.optIn ?? 'double' }));
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a mailing list' })
  @ApiOkResponse({ type: ListResponse })
  async get(@Param('id') id: string): Promise<ListResponse> {
    return toListResponse(await this.lists.get(parseId(id, 'list')));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update a mailing list' })
  @ApiOkResponse({ type: ListResponse })
  async update(@Param('id') id: string, @Body() dto: UpdateListDto, @CurrentActor() actor: Actor): Promise<ListResponse> {
    const listId = parseId(id, 'list');
    let view = await this.lists.update(actor, listId, { name: dto.name, description: dto.description, isPublic: dto.public, optIn: dto.optIn });
    if (dto.archived !== undefined) view = await this.lists.setArchived(actor, listId, dto.archived);
    return toListResponse(view);
  }

  @Post(':id/subscribers')
  @ApiOperation({ summary: 'Subscribe one or many addresses to a list' })
  @HttpCode(200)
  @ApiBody({ type: AddSubscribersDto })
  @ApiOkResponse({
    schema: subscribeResponseSchema,
    description: 'One subscriber: its outcome. `subscribers`: `{"items": [...]}`, one outcome per address, in order.',
  })
  async addSubscribers(@Param('id') id: string, @Body() dto: AddSubscribersDto, @CurrentActor() actor: Actor): Promise<SubscribeOutcomeResponse | SubscribeBatchResponse> {
    const items = dto.subscribers ?? [{ email: dto.email, name: dto.name, source: dto.source, locale: dto.locale, ip: dto.ip }];
    const results = (await this.subscribers.addViaApi(actor, parseId(id, 'list'), items)).map((r) =>
      r.error ? { ...r, error: Object.fromEntries(Object.entries(r.error).map(([k, v]) => [k, translate('en', v)])) } : r,
    );
    return dto.subscribers ? { items: results } : results[0];
  }
}
