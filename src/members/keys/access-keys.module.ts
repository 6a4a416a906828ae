import { Module } from '@nestjs/common';
import { ThrottleModule } from '../../throttle/throttle.module';
import { MembersModule } from '../members.module';
import { AccessKeysController } from './access-keys.controller';
import { AccessKeysRepository } from './access-keys.repository';
import { AccessKeysService } from './access-keys.service';

/** Single-use keys that open a product: generated in batches by staff, redeemed by clients. */
@Module({
  imports: [MembersModule, ThrottleModule],
  controllers: [AccessKeysController],
  providers: [AccessKeysRepository, AccessKeysService],
})
export class AccessKeysModule {}
