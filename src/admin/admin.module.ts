import { Module } from '@nestjs/common';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AuthModule } from '../auth/auth.module';
import { AdminUsersService } from './admin-users.service';
import { AdminController } from './admin.controller';

@Module({ imports: [AuthModule, ApiKeysModule], controllers: [AdminController], providers: [AdminUsersService] })
export class AdminModule {}
