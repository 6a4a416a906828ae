import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { UsersModule } from '../users/users.module';
import { BansApiController } from './bans.api.controller';
import { BansController } from './bans.controller';
import { BansModule } from './bans.module';
import { BansService } from './bans.service';

/**
 * Banning and lifting (level 2: a ban ends the sessions and password links of the accounts it covers, through auth),
 * the Bans admin page and /api/admin/bans. BansService is exported for the offboarding workflow's ban step.
 */
@Module({
  imports: [BansModule, AuthModule, UsersModule],
  controllers: [BansController, BansApiController],
  providers: [BansService],
  exports: [BansService],
})
export class BansAdminModule {}
