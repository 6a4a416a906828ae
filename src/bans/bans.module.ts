import { Module } from '@nestjs/common';
import { BanCheck } from './ban-check';
import { BansRepository } from './bans.repository';

/**
 * The ban check (level 0, no imports): every enforcement point imports this module and asks BanCheck. Creating and
 * lifting bans (which ends sessions, so needs auth) lives in BansAdminModule, a level above.
 */
@Module({ providers: [BansRepository, BanCheck], exports: [BansRepository, BanCheck] })
export class BansModule {}
