import { Global, Module } from '@nestjs/common';
import { AccessService } from './access.service';
import { GrantsRepository } from './grants.repository';
import { GrantsService } from './grants.service';
import { ProductsRepository } from './products.repository';

/** Products, lessons, files and access. Global: orders, keys and clients grant access through it. */
@Global()
@Module({
  providers: [ProductsRepository, GrantsRepository, GrantsService, AccessService],
  exports: [ProductsRepository, GrantsRepository, GrantsService, AccessService],
})
export class MembersModule {}
