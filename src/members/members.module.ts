import { Module } from '@nestjs/common';
import { ProductsApiController } from './catalogue/products.api.controller';
import { AccessService } from './access/access.service';
import { CatalogueStructureService } from './catalogue/catalogue-structure.service';
import { CatalogueController } from './catalogue/catalogue.controller';
import { CatalogueRepository } from './catalogue/catalogue.repository';
import { CatalogueService } from './catalogue/catalogue.service';
import { AccountController } from './client-area/account.controller';
import { ClientAreaController } from './client-area/client-area.controller';
import { ClientAreaService } from './client-area/client-area.service';
import { FilesRepository } from './catalogue/files.repository';
import { GrantsRepository } from './access/grants.repository';
import { GrantsService } from './access/grants.service';
import { LessonsRepository } from './catalogue/lessons.repository';
import { OutlineCache } from './client-area/product-outline';
import { ProductsRepository } from './catalogue/products.repository';
import { UploadsService } from './catalogue/uploads.service';
import { CoversController } from './catalogue/covers.controller';
import { CoversRepository } from './catalogue/covers.repository';
import { CoversService } from './catalogue/covers.service';
import { CompletionsRepository } from './client-area/completions.repository';
import { ProgressService } from './client-area/progress.service';

/** Products, lessons, files and access. Orders, keys, clients and mailing import it to read products and grant access. */
@Module({
  controllers: [CatalogueController, CoversController, AccountController, ClientAreaController, ProductsApiController],
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
    CoversRepository,
    CoversService,
    CompletionsRepository,
    ProgressService,
  ],
  exports: [ProductsRepository, GrantsRepository, GrantsService, AccessService, ClientAreaService, ProgressService],
})
export class MembersModule {}
