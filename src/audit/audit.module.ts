import { Global, Module } from '@nestjs/common';
import { AuditController } from './audit.controller';
import { AuditNamesRepository } from './audit-names.repository';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

@Global()
@Module({ controllers: [AuditController], providers: [AuditRepository, AuditNamesRepository, AuditService], exports: [AuditService] })
export class AuditModule {}
