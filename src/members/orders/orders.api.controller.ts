import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AppError } from '../../common/errors/app-error';
import { ApiKeyAuth } from '../../common/http/api-key-auth';
import { parseId, parsePage } from '../../common/http/pagination';
import { OrdersService } from './orders.service';
import { OrderListResponse } from './dto/orders.dto';

@ApiTags('admin')
@ApiKeyAuth()
@Controller('api/admin/orders')
export class OrdersApiController {
  constructor(private readonly orders: OrdersService) {}

  @Get()
  @ApiOperation({ summary: 'List orders' })
  @ApiQuery({ name: 'clientId', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiOkResponse({ type: OrderListResponse, description: 'Orders, newest payment first' })
  list(@Query() q: Record<string, string | undefined>): Promise<OrderListResponse> {
    const clientId = q.clientId === undefined || q.clientId === '' ? undefined : parseClientId(q.clientId);
    return this.orders.search({ clientId }, parsePage(q));
  }
}

/** A filter value is input, not an address: a bad one is a 400 naming the field, not a 404. */
function parseClientId(v: string): number {
  try {
    return parseId(v);
  } catch {
    throw AppError.validation({ clientId: 'must be a positive whole number' });
  }
}
