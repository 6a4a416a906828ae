import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AdminUsersService } from './admin-users.service';
import { UsersController } from './users.controller';
import { UsersModule } from './users.module';

/**
 * The staff and people pages (`/admin/users`). A module apart from UsersModule: these pages end sessions
 * through auth, and auth itself stands on users.
 */
@Module({ imports: [UsersModule, AuthModule], controllers: [UsersController], providers: [AdminUsersService] })
export class AdminUsersModule {}
