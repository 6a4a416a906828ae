import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../auth/api-keys/api-keys.module';
import { AuthModule } from '../auth/auth.module';
import { AdminUsersService } from '../users/admin-users.service';
import { AdminController } from './admin.controller';

@Module({ imports: [AuthModule, ApiKeysModule], controllers: [AdminController], providers: [AdminUsersService] })
export class AdminModule {}
