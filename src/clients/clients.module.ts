import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ClientsApiController } from './clients.api.controller';
import { MembersModule } from '../members/members.module';
import { OrdersModule } from '../members/orders/orders.module';
import { SupportModule } from '../support/support.module';
import { UsersModule } from '../users/users.module';
import { BansModule } from '../bans/bans.module';
import { WarningsModule } from './warnings/warnings.module';
import { ClientAccessService } from './client-access.service';
import { ClientsController } from './clients.controller';
import { ClientsImportService } from './clients-import.service';
import { ImportStaging } from './import-staging';
import { ClientsRepository } from './clients.repository';
import { ClientsService } from './clients.service';
import { CreateClient } from './usecases/create-client.usecase';

/** Client administration: list, adding a client, profile, notes, labels, manual access, welcome mail, CSV import; the ticket history from support; the warnings (clients/warnings/). */
@Module({
  imports: [UsersModule, AuthModule, MembersModule, OrdersModule, BansModule, SupportModule, WarningsModule],
  controllers: [ClientsController, ClientsApiController],
  providers: [ClientsRepository, ClientsService, ClientAccessService, ClientsImportService, ImportStaging, CreateClient],
})
export class ClientsModule {}
