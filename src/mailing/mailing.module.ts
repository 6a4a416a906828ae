import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CampaignRenderer } from './campaigns/campaign-renderer';
import { CampaignsRepository } from './campaigns/campaigns.repository';
import { MailingTokens } from './mailing-tokens';
import { RecipientsRepository } from './sender/recipients.repository';
import { ListsRepository, SubscribersRepository } from './subscribers.repository';
import { SubscriptionsService } from './subscriptions.service';
import { UnsubscribeService } from './unsubscribe.service';
import { AccountMailingController } from './account-mailing.controller';
import { PreferencesController } from './preferences.controller';
import { PreferencesService } from './preferences.service';
import { UnsubscribeController } from './unsubscribe.controller';

/**
 * Mailing lists, subscribers and consent, campaigns and their sender, unsubscribe and preferences.
 * Global: offboarding and purchases change subscriptions through SubscriptionsService.
 */
@Global()
@Module({
  controllers: [
    UnsubscribeController,
    PreferencesController,
    AccountMailingController,
  ],
  providers: [
    { provide: MailingTokens, inject: [APP_CONFIG], useFactory: (c: AppConfig) => new MailingTokens(c.secretKey) },
    SubscribersRepository,
    ListsRepository,
    RecipientsRepository,
    CampaignsRepository,
    CampaignRenderer,
    SubscriptionsService,
    UnsubscribeService,
    PreferencesService,
  ],
  exports: [MailingTokens, SubscribersRepository, ListsRepository, RecipientsRepository, CampaignsRepository, CampaignRenderer, SubscriptionsService, UnsubscribeService],
})
export class MailingModule {}
