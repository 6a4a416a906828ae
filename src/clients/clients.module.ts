import { Module } from '@nestjs/common';

/** Client administration: list, profile, notes, labels, manual access, CSV import. */
@Module({})
export class ClientsModule {}
