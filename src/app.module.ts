import { DynamicModule, MiddlewareConsumer, Module, NestModule, Type } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AccessKeysModule } from './members/keys/access-keys.module';
import { ApiKeysModule } from './auth/api-keys/api-keys.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BansAdminModule } from './bans/bans-admin.module';
import { BansModule } from './bans/bans.module';
import { ClientsModule } from './clients/clients.module';
import { AllExceptionsFilter } from './common/http/exception.filter';
import { ContextMiddleware } from './common/http/context.middleware';
import { CsrfMiddleware } from './common/http/csrf.middleware';
import { RolesGuard } from './common/http/roles.guard';
import { AppConfig } from './config/config';
import { SettingsModule } from './settings/settings.module';
import { SupportModule } from './support/support.module';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { HealthModule } from './health/health.module';
import { InboundModule } from './inbound/inbound.module';
import { JobsModule } from './jobs/jobs.module';
import { MailModule } from './mail/mail.module';
import { MailingModule } from './mailing/mailing.module';
import { MembersModule } from './members/members.module';
import { OffboardingPagesModule } from './offboarding/offboarding-pages.module';
import { OrdersModule } from './members/orders/orders.module';
import { OffboardingModule } from './offboarding/offboarding.module';
import { ThrottleModule } from './throttle/throttle.module';
import { AdminUsersModule } from './users/admin-users.module';
import { UsersModule } from './users/users.module';

export interface AppOptions {
  /** Periodic jobs (mail relay, clean-up). Off in tests, which drive them directly. */
  runJobs: boolean;
  /** The inbound mail listener, when INBOUND_PORT is set (default on); the CLI leaves it off. */
  inbound?: boolean;
  /**
   * Tests: a module providing the offboarding step executors, planner and reinstater in place of the real steps
   * (offboarding/steps/offboarding-steps.module.ts), so the runner is tested with steps whose effects they count.
   */
  offboardingSteps?: Type<unknown> | DynamicModule;
}

@Module({})
export class AppModule implements NestModule {
  static forRoot(config: AppConfig, opts: AppOptions): DynamicModule {
    // one instance of the workflow, shared by its pages (which sit above it)
    const offboarding = OffboardingModule.forRoot({ runJobs: opts.runJobs, steps: opts.offboardingSteps });
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot(config),
        ThrottleModule,
        UsersModule,
        AuditModule,
        SettingsModule,
        MailModule,
        InboundModule.forRoot(opts.inbound ?? true),
        AuthModule,
        ApiKeysModule,
        MembersModule,
        OrdersModule,
        AccessKeysModule,
        BansModule,
        BansAdminModule,
        ClientsModule,
        MailingModule,
        SupportModule,
        AdminUsersModule,
        HealthModule,
        offboarding,
        OffboardingPagesModule.forRoot(offboarding),
        DashboardModule.forRoot(offboarding),
        JobsModule.forRoot(opts.runJobs),
      ],
      providers: [
        { provide: APP_GUARD, useClass: RolesGuard },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(ContextMiddleware, CsrfMiddleware).forRoutes('{*path}');
  }
}
