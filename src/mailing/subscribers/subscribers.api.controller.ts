import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiKeyAuth } from '../../common/http/api-key-auth';
import { parseId, parsePage } from '../../common/http/pagination';
import { SUBSCRIPTION_STATUSES, SubscriptionStatus } from './entities/subscription.entity';
import { SubscriberView, SubscribersAdminService } from './subscribers-admin.service';
import { SubscriberListResponse, SubscriberResponse } from './dto/subscribers.dto';

type Q = Record<string, string | undefined>;

export function toSubscriberResponse(s: SubscriberView): SubscriberResponse {
  return {
    id: s.id,
    email: s.email,
    name: s.name,
    locale: s.locale,
    lists: s.lists.map((l) => ({ listId: l.listId, status: l.status })),
    suppressed: s.suppressed ?? false,
    createdAt: s.createdAt,
  };
}

@ApiTags('mailing')
@ApiKeyAuth()
@Controller('api/admin/subscribers')
export class SubscribersApiController {
  constructor(private readonly subscribers: SubscribersAdminService) {}

  @Get()
  @ApiOperation({ summary: 'List subscribers' })
  @ApiQuery({ name: 'email', required: false, description: 'Exact email, case-insensitive' })
  @ApiQuery({ name: 'listId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: SUBSCRIPTION_STATUSES, description: 'On listId if given, else on any list' })
  @ApiQuery({ name: 'suppressed', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'offset', required: false })
  @ApiOkResponse({ type: SubscriberListResponse })
  async list(@Query() q: Q): Promise<SubscriberListResponse> {
    const res = await this.subscribers.search(
      {
        email: q.email?.trim() || undefined,
        listId: q.listId && /^\d{1,9}$/.test(q.listId) ? Number(q.listId) : undefined,
        status: (SUBSCRIPTION_STATUSES as readonly string[]).includes(q.status ?? '') ? (q.status as SubscriptionStatus) : undefined,
        suppressed: q.suppressed === 'true' ? true : q.suppressed === 'false' ? false : undefined,
      },
      parsePage(q),
    );
    return { items: res.items.map(toSubscriberResponse), total: res.total };
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a subscriber' })
  @ApiOkResponse({ type: SubscriberResponse })
  async get(@Param('id') id: string): Promise<SubscriberResponse> {
    return toSubscriberResponse(await this.subscribers.get(parseId(id, 'subscriber')));
  }
}
