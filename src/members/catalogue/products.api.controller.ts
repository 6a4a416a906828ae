import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import { Actor } from '../../audit/actor';
import { ApiKeyAuth } from '../../common/http/api-key-auth';
import { CurrentActor } from '../../common/http/decorators';
import { parseId, parsePage } from '../../common/http/pagination';
import { PRODUCT_STATUSES, ProductStatus } from './entities/product.entity';
import { CatalogueService } from './catalogue.service';

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

@ApiTags('products')
@ApiKeyAuth()
@Controller('api/admin/products')
export class ProductsApiController {
  constructor(private readonly catalogue: CatalogueService) {}

  @Get()
  @ApiOkResponse({ type: ProductListResponse })
  list(@Query('limit') limit?: string, @Query('offset') offset?: string): Promise<ProductListResponse> {
    return this.catalogue.list(parsePage({ limit, offset }));
  }

  @Get(':id')
  @ApiOkResponse({ type: ProductResponse })
  get(@Param('id') id: string): Promise<ProductResponse> {
    return this.catalogue.get(parseId(id, 'product'));
  }

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: ProductResponse })
  create(@Body() body: CreateProductDto, @CurrentActor() actor: Actor): Promise<ProductResponse> {
    return this.catalogue.create(actor, { ...body, endGrantOnRefund: body.endGrantOnRefund ?? true });
  }

  @Patch(':id')
  @ApiOkResponse({ type: ProductResponse })
  update(@Param('id') id: string, @Body() body: UpdateProductDto, @CurrentActor() actor: Actor): Promise<ProductResponse> {
    return this.catalogue.update(actor, parseId(id, 'product'), body);
  }
}
