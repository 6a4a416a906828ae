import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { MeApiController } from './me.api.controller';
import { ApiKeyStrategy } from './api-key.strategy';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

@Module({
  imports: [PassportModule],
  controllers: [ApiKeysController, MeApiController],
  providers: [ApiKeysRepository, ApiKeysService, ApiKeyStrategy],
  exports: [ApiKeysService, ApiKeysRepository],
})
export class ApiKeysModule {}
