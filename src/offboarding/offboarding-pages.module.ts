import { DynamicModule, Module } from '@nestjs/common';
import { WarningsModule } from '../clients/warnings/warnings.module';
import { MembersModule } from '../members/members.module';
import { SupportModule } from '../support/support.module';
import { UsersModule } from '../users/users.module';
import { OffboardingController } from './offboarding.controller';
import { OffboardingPagesService } from './offboarding-pages.service';

/**
 * The offboarding admin pages, above the workflow they call: `workflow` is the very OffboardingModule.forRoot()
 * that app.module registers (a dynamic module: importing the class alone would give an empty copy). The client's
 * tickets (support) are offered as evidence and the end of their paid period (members) as the date to part on;
 * the form names the client's last warning (or offers one first: seed 002's last attempt).
 */
@Module({})
export class OffboardingPagesModule {
  static forRoot(workflow: DynamicModule): DynamicModule {
    return {
      module: OffboardingPagesModule,
      imports: [workflow, UsersModule, MembersModule, SupportModule, WarningsModule],
      controllers: [OffboardingController],
      providers: [OffboardingPagesService],
    };
  }
}
