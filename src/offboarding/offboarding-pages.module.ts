import { Module } from '@nestjs/common';
import { MembersModule } from '../members/members.module';
import { SupportModule } from '../support/support.module';
import { UsersModule } from '../users/users.module';
import { OffboardingController } from './offboarding.controller';
import { OffboardingModule } from './offboarding.module';
import { OffboardingPagesService } from './offboarding-pages.service';

/**
 * The offboarding admin pages, above the workflow (OffboardingModule) they call; the client's tickets (support)
 * are offered as evidence and the end of their paid period (members) as the date to part on.
 */
@Module({
  imports: [OffboardingModule, UsersModule, MembersModule, SupportModule],
  controllers: [OffboardingController],
  providers: [OffboardingPagesService],
})
export class OffboardingPagesModule {}
