import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AppError } from '../../common/errors/app-error';
import { ApiKeyAuth } from '../../common/http/api-key-auth';
import { parseId, parsePage } from '../../common/http/pagination';
import { OrdersService } from './orders.service';

export class OrderResponse {
  @ApiProperty() id: number;
  @ApiProperty({ description: "The selling platform's order id" }) externalId: string;
  @ApiProperty() clientId: number;
  @ApiProperty() clientEmail: string;
  @ApiProperty() productId: number;
  @ApiProperty() productSlug: string;
  @ApiProperty() productTitle: string;
  @ApiProperty({ enum: ['paid', 'refunded'] }) status: 'paid' | 'refunded';
  @ApiProperty({ description: 'Amount in minor units (kopecks, cents)', example: 199000 }) amountMinor: number;
  @ApiProperty({ example: '1990.00' }) amount: string;
  @ApiProperty({ example: 'RUB' }) currency: string;
  @ApiProperty({ example: 'RUB 1,990.00' }) amountDisplay: string;
  @ApiProperty() paidAt: Date;
  @ApiPropertyOptional({ nullable: true, type: Date }) refundedAt: Date | null;
}

export class OrderListResponse {
  @ApiProperty({ type: [OrderResponse] }) items: OrderResponse[];
  @ApiProperty() total: number;
}

@ApiTags('admin')
@ApiKeyAuth()
@Controller('api/admin/orders')
export class OrdersApiController {
  constructor(private readonly orders: OrdersService) {}

  @Get()
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
