import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import { PRODUCT_STATUSES, ProductStatus } from '../entities/product.entity';

export class ProductResponse {
  @ApiProperty() id: number;
  @ApiProperty({ example: 'python-basics' }) slug: string;
  @ApiProperty() title: string;
  @ApiProperty({ nullable: true, type: String }) description: string | null;
  @ApiProperty({ example: '1990 ₽' }) priceLabel: string;
  @ApiProperty({ enum: PRODUCT_STATUSES }) status: ProductStatus;
  @ApiProperty({ description: 'A refund of a purchase ends the access it gave' }) endGrantOnRefund: boolean;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class ProductListResponse {
  @ApiProperty({ type: [ProductResponse] }) items: ProductResponse[];
  @ApiProperty() total: number;
}

/** Types and rules are checked by the service (one set of messages for forms and API); @Allow keeps the fields. */
export class UpdateProductDto {
  @ApiPropertyOptional({ pattern: '^[a-z0-9][a-z0-9-]{0,99}$' }) @Allow() slug?: unknown;
  @ApiPropertyOptional({ maxLength: 200 }) @Allow() title?: unknown;
  @ApiPropertyOptional({ nullable: true, type: String }) @Allow() description?: unknown;
  @ApiPropertyOptional({ maxLength: 100 }) @Allow() priceLabel?: unknown;
  @ApiPropertyOptional({ enum: PRODUCT_STATUSES, default: 'draft' }) @Allow() status?: unknown;
  @ApiPropertyOptional({ type: Boolean, default: true }) @Allow() endGrantOnRefund?: unknown;
}

export class CreateProductDto extends UpdateProductDto {
  @ApiProperty({ pattern: '^[a-z0-9][a-z0-9-]{0,99}$' }) declare slug: unknown;
  @ApiProperty({ maxLength: 200 }) declare title: unknown;
}
