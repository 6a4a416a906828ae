import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../../auth/api-keys/api-keys.module';
import { AuthModule } from '../../auth/auth.module';
import { BansAdminModule } from '../../bans/bans-admin.module';
import { BansModule } from '../../bans/bans.module';
import { MailingModule } from '../../mailing/mailing.module';
import { MembersModule } from '../../members/members.module';
import { OrdersModule } from '../../members/orders/orders.module';
import { SupportModule } from '../../support/support.module';
import { UsersModule } from '../../users/users.module';
import { OffboardingFaultsModule } from '../offboarding-faults.module';
import { CASE_PLANNER, REINSTATER, STEP_EXECUTORS, StepExecutor } from '../offboarding.contract';
import { BanStep } from './ban.step';
import { OffboardingCasePlanner } from './case-planner';
import { NoticeRenderer } from './notice-render';
import { NoticeStep } from './notice.step';
import { RefundPlanner } from './refund-plan';
import { RefundStep } from './refund.step';
import { OffboardingReinstater } from './reinstater';
import { RevokeStep } from './revoke.step';
import { UnsubscribeStep } from './unsubscribe.step';

/**
 * The five steps of an offboarding case, the dry run's planner and reinstatement, for the engine (offboarding/)
 * to run. Top level: it imports the features whose objects the steps end (members, orders and refunds, auth and
 * API keys, mailing, support, bans), none of which knows offboarding.
 */
@Module({
  imports: [OffboardingFaultsModule, UsersModule, AuthModule, ApiKeysModule, MembersModule, OrdersModule, MailingModule, SupportModule, BansModule, BansAdminModule],
  providers: [
    NoticeRenderer,
    RefundPlanner,
    NoticeStep,
    RefundStep,
    RevokeStep,
    UnsubscribeStep,
    BanStep,
    OffboardingCasePlanner,
    OffboardingReinstater,
    {
      provide: STEP_EXECUTORS,
      inject: [NoticeStep, RefundStep, RevokeStep, UnsubscribeStep, BanStep],
      useFactory: (...steps: StepExecutor[]): StepExecutor[] => steps,
    },
    { provide: CASE_PLANNER, useExisting: OffboardingCasePlanner },
    { provide: REINSTATER, useExisting: OffboardingReinstater },
  ],
  exports: [STEP_EXECUTORS, CASE_PLANNER, REINSTATER],
})
export class OffboardingStepsModule {}
