import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { DashboardController } from './dashboard.controller';
import { DashboardService } from './dashboard.service';

/** The admin panel's start page (`/admin`). Later features add their counts here. */
@Module({ imports: [UsersModule], controllers: [DashboardController], providers: [DashboardService] })
export class DashboardModule {}
