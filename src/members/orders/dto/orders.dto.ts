import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class OrderRefundResponse {
  @ApiProperty() id: number;
  @ApiProperty({ example: '500.00 RUB' }) amount: string;
  @ApiProperty({ example: 'RUB 500.00' }) amountDisplay: string;
  @ApiProperty({ enum: ['started', 'unknown', 'pending', 'succeeded', 'failed'] }) status: string;
  @ApiProperty() requestedAt: Date;
  @ApiPropertyOptional({ nullable: true, type: Date }) finishedAt: Date | null;
}

export class OrderResponse {
  @ApiProperty() id: number;
  @ApiProperty({ description: "The selling platform's order id" }) externalId: string;
  @ApiProperty() clientId: number;
  @ApiProperty() clientEmail: string;
  @ApiProperty() productId: number;
  @ApiProperty() productSlug: string;
  @ApiProperty() productTitle: string;
  @ApiProperty({ enum: ['paid', 'refunded', 'held', 'declined'] }) status: 'paid' | 'refunded' | 'held' | 'declined';
  @ApiProperty({ description: 'Amount in minor units (kopecks, cents)', example: 199000 }) amountMinor: number;
  @ApiProperty({ example: '1990.00' }) amount: string;
  @ApiProperty({ example: 'RUB' }) currency: string;
  @ApiProperty({ example: 'RUB 1,990.00' }) amountDisplay: string;
  @ApiProperty() paidAt: Date;
  @ApiPropertyOptional({ nullable: true, type: Date }) refundedAt: Date | null;
  @ApiProperty({ type: [OrderRefundResponse], description: 'Refunds made through kabinet, oldest first' }) refunds: OrderRefundResponse[];
}

export class OrderListResponse {
  @ApiProperty({ type: [OrderResponse] }) items: OrderResponse[];
  @ApiProperty() total: number;
}
