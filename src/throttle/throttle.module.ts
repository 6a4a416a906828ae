import { Module } from '@nestjs/common';
import { RateLimitRepository } from './rate-limit.repository';
import { ThrottleService } from './throttle.service';

@Module({ providers: [RateLimitRepository, ThrottleService], exports: [ThrottleService, RateLimitRepository] })
export class ThrottleModule {}
