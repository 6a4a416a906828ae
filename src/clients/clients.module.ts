import { Module } from '@nestjs/common';
import { ClientsApiController } from './clients.api.controller';
import { MembersModule } from '../members/members.module';
import { OrdersModule } from '../members/orders/orders.module';
import { UsersModule } from '../users/users.module';
import { ClientAccessService } from './client-access.service';
import { ClientsController } from './clients.controller';
import { ClientsImportService } from './clients-import.service';
import { ClientsRepository } from './clients.repository';
import { ClientsService } from './clients.service';

/** Client administration: list, profile, notes, labels, manual access, CSV import. */
@Module({
  imports: [UsersModule, MembersModule, OrdersModule],
  controllers: [ClientsController, ClientsApiController],
  providers: [ClientsRepository, ClientsService, ClientAccessService, ClientsImportService],
})
export class ClientsModule {}
