import { Module } from '@nestjs/common';
import { ClientsApiController } from './clients.api.controller';
import { ClientAccessService } from './client-access.service';
import { ClientsController } from './clients.controller';
import { ClientsImportService } from './clients-import.service';
import { ClientsRepository } from './clients.repository';
import { ClientsService } from './clients.service';

/** Client administration: list, profile, notes, labels, manual access, CSV import. */
@Module({
  controllers: [ClientsController, ClientsApiController],
  providers: [ClientsRepository, ClientsService, ClientAccessService, ClientsImportService],
})
export class ClientsModule {}
