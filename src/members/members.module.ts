import { Global, Module } from '@nestjs/common';
import { ProductsApiController } from '../api/products.api.controller';
import { AccessService } from './access.service';
import { CatalogueStructureService } from './catalogue-structure.service';
import { CatalogueController } from './catalogue.controller';
import { CatalogueRepository } from './catalogue.repository';
import { CatalogueService } from './catalogue.service';
import { ClientAreaController } from './client-area.controller';
import { ClientAreaService } from './client-area.service';
import { FilesRepository } from './files.repository';
import { GrantsRepository } from './grants.repository';
import { GrantsService } from './grants.service';
import { LessonsRepository } from './lessons.repository';
import { OutlineCache } from './product-outline';
import { ProductsRepository } from './products.repository';
import { UploadsService } from './uploads.service';

/** Products, lessons, files and access. Global: orders, keys and clients grant access through it. */
@Global()
@Module({
  controllers: [CatalogueController, ClientAreaController, ProductsApiController],
  providers: [
    ProductsRepository,
    LessonsRepository,
    FilesRepository,
    GrantsRepository,
    GrantsService,
    AccessService,
    CatalogueService,
    CatalogueRepository,
    CatalogueStructureService,
    ClientAreaService,
    OutlineCache,
    UploadsService,
  ],
  exports: [ProductsRepository, GrantsRepository, GrantsService, AccessService, ClientAreaService],
})
export class MembersModule {}
