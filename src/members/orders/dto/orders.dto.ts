import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

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
}

export class OrderListResponse {
  @ApiProperty({ type: [OrderResponse] }) items: OrderResponse[];
  @ApiProperty() total: number;
}
