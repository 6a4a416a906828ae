import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor } from '../../audit/actor';
import { ApiKeyAuth } from '../../common/http/api-key-auth';
import { CurrentActor } from '../../common/http/decorators';
import { parseId, parsePage } from '../../common/http/pagination';
import { CatalogueService } from './catalogue.service';
import { ProductResponse, ProductListResponse, UpdateProductDto, CreateProductDto } from './dto/products.dto';

@ApiTags('products')
@ApiKeyAuth()
@Controller('api/admin/products')
export class ProductsApiController {
  constructor(private readonly catalogue: CatalogueService) {}

  @Get()
  @ApiOperation({ summary: 'List products' })
  @ApiOkResponse({ type: ProductListResponse })
  list(@Query('limit') limit?: string, @Query('offset') offset?: string): Promise<ProductListResponse> {
    return this.catalogue.list(parsePage({ limit, offset }));
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a product' })
  @ApiOkResponse({ type: ProductResponse })
  get(@Param('id') id: string): Promise<ProductResponse> {
    return this.catalogue.get(parseId(id, 'product'));
  }

  @Post()
  @ApiOperation({ summary: 'Create a product' })
  @HttpCode(201)
  @ApiCreatedResponse({ type: ProductResponse })
  create(@Body() body: CreateProductDto, @CurrentActor() actor: Actor): Promise<ProductResponse> {
    return this.catalogue.create(actor, { ...body, endGrantOnRefund: body.endGrantOnRefund ?? true });
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update a product' })
  @ApiOkResponse({ type: ProductResponse })
  update(@Param('id') id: string, @Body() body: UpdateProductDto, @CurrentActor() actor: Actor): Promise<ProductResponse> {
    return this.catalogue.update(actor, parseId(id, 'product'), body);
  }
}
