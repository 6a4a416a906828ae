import { Global, Module } from '@nestjs/common';
import { BrandController } from './brand/brand.controller';
import { LogoService } from './brand/logo.service';
import { SiteFilesRepository } from './brand/site-files.repository';
import { SettingsController } from './settings.controller';
import { SettingsRepository } from './settings.repository';
import { SettingsService } from './settings.service';

/** Global like config: the layout, the mail layout and every date read the owner's settings. */
@Global()
@Module({
  controllers: [SettingsController, BrandController],
  providers: [SettingsRepository, SettingsService, SiteFilesRepository, LogoService],
  exports: [SettingsService],
})
export class SettingsModule {}
