import * as path from 'node:path';
import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { VIEWS_DIR } from '../paths';
import { SettingsModule } from '../settings/settings.module';
import { MailTemplates } from './mail-templates';
import { createMailTransport } from './mail-transport';
import { MAIL_TEMPLATES, MailService } from './mail.service';
import { OutboxRelay, MAIL_TRANSPORT } from './outbox-relay.service';
import { OutboxController } from './outbox.controller';
import { OutboxRepository } from './outbox.repository';
import { OutboxService } from './outbox.service';

@Global()
@Module({
  // Global already; named here because every mail is branded (school name, logo, senders), so a context that
  // takes mail without the whole app (the middle-tier tests) gets the settings with it.
  imports: [SettingsModule],
  controllers: [OutboxController],
  providers: [
    { provide: MAIL_TEMPLATES, inject: [APP_CONFIG], useFactory: (c: AppConfig) => new MailTemplates(path.resolve(VIEWS_DIR), c.env === 'development') },
    { provide: MAIL_TRANSPORT, inject: [APP_CONFIG], useFactory: (c: AppConfig) => createMailTransport(c) },
    OutboxRepository,
    MailService,
    OutboxRelay,
    OutboxService,
  ],
  exports: [MailService, OutboxRelay, OutboxService, OutboxRepository, MAIL_TEMPLATES],
})
export class MailModule {}
