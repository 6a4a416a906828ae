import { Module } from '@nestjs/common';
import { AccountSecurityController, AdminProfileController } from './profile.controller';
import { ContextMiddleware } from '../common/http/context.middleware';
import { ThrottleModule } from '../throttle/throttle.module';
import { UsersModule } from '../users/users.module';
import { BansModule } from '../bans/bans.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { PasswordResetsRepository } from './password-resets.repository';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { SetupService } from './setup.service';
import { WelcomeMailService } from './welcome-mail.service';

@Module({
  imports: [UsersModule, ThrottleModule, BansModule],
  controllers: [AuthController, AccountSecurityController, AdminProfileController],
  providers: [SessionsRepository, SessionsService, PasswordResetsRepository, AuthService, SetupService, ContextMiddleware, WelcomeMailService],
  exports: [SessionsService, AuthService, WelcomeMailService, SetupService, ContextMiddleware, SessionsRepository, PasswordResetsRepository],
})
export class AuthModule {}
