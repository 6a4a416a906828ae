import { Module } from '@nestjs/common';
import { MembersModule } from '../../members/members.module';
import { SettingsModule } from '../../settings/settings.module';
import { SupportModule } from '../../support/support.module';
import { UsersModule } from '../../users/users.module';
import { WarningFollowUps } from './warning-followups.service';
import { WarningsApiController } from './warnings.api.controller';
import { WarningsController } from './warnings.controller';
import { WarningsRepository } from './warnings.repository';
import { WarningsService } from './warnings.service';

/**
 * Warnings to a client (issue 15, the last attempt; level 2): the form and its preview, the mail, the record on the
 * client's page, /api/admin/clients/{id}/warnings, and the follow-up reminder (run by jobs). It reads the client's
 * tickets through support and what they bought through members; ClientsModule imports it for the client's page.
 */
@Module({
  imports: [UsersModule, MembersModule, SettingsModule, SupportModule],
  controllers: [WarningsController, WarningsApiController],
  providers: [WarningsRepository, WarningsService, WarningFollowUps],
  exports: [WarningsService, WarningFollowUps],
})
export class WarningsModule {}
