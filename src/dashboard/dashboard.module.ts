import { DynamicModule, Module } from '@nestjs/common';
import { WarningsModule } from '../clients/warnings/warnings.module';
import { OrdersModule } from '../members/orders/orders.module';
import { SupportModule } from '../support/support.module';
import { UsersModule } from '../users/users.module';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';

/**
 * The admin panel's start page (`/admin`): a few counts, and "Needs you" — what waits for someone to act, from
 * offboarding, tickets, orders, refunds and warnings. It reads every feature, so it stands above them all:
 * `offboarding` is the very OffboardingModule.forRoot() that app.module registers (as for the offboarding pages).
 */
@Module({})
export class DashboardModule {
  static forRoot(offboarding: DynamicModule): DynamicModule {
    return {
      module: DashboardModule,
      imports: [offboarding, UsersModule, SupportModule, OrdersModule, WarningsModule],
      controllers: [DashboardController],
      providers: [DashboardService],
    };
  }
}
