import { Global, Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CampaignRenderer } from './campaigns/campaign-renderer';
import { CampaignsRepository } from './campaigns/campaigns.repository';
import { CampaignsApiController } from './api/campaigns.api.controller';
import { CampaignsController } from './campaigns/campaigns.controller';
import { CampaignsService } from './campaigns/campaigns.service';
import { CampaignAudience } from './campaigns/usecases/campaign-audience';
import { CampaignTransitions } from './campaigns/usecases/campaign-transitions.usecase';
import { SendTestCampaign } from './campaigns/usecases/send-test.usecase';
import { StartCampaign } from './campaigns/usecases/start-campaign.usecase';
import { MailingTokens } from './mailing-tokens';
import { createMailTransport } from '../mail/mail-transport';
import { CAMPAIGN_TRANSPORT, CampaignSender } from './sender/campaign-sender';
import { RecipientsRepository } from './sender/recipients.repository';
import { ListsRepository, SubscribersRepository } from './subscribers.repository';
import { SubscriptionsService } from './subscriptions.service';
import { UnsubscribeService } from './unsubscribe.service';
import { AccountMailingController } from './account-mailing.controller';
import { PreferencesController } from './preferences.controller';
import { PreferencesService } from './preferences.service';
import { UnsubscribeController } from './unsubscribe.controller';
import { ListsApiController } from './api/lists.api.controller';
import { SubscribersApiController } from './api/subscribers.api.controller';
import { MailingExportService } from './import/mailing-export.service';
import { MailingImportController } from './import/mailing-import.controller';
import { MailingImportRepository } from './import/mailing-import.repository';
import { MailingImportService } from './import/mailing-import.service';
import { ListsController } from './lists.controller';
import { ListsService } from './lists.service';
import { SubscribeController } from './subscribe.controller';
import { SubscribeService } from './subscribe.service';
import { SubscribersAdminController } from './subscribers-admin.controller';
import { SubscribersAdminRepository } from './subscribers-admin.repository';
import { SubscribersAdminService } from './subscribers-admin.service';

/**
 * Mailing lists, subscribers and consent, campaigns and their sender, unsubscribe and preferences.
 * Global: offboarding and purchases change subscriptions through SubscriptionsService.
 */
@Global()
@Module({
  controllers: [
    ListsController,
    SubscribersAdminController,
    SubscribeController,
    MailingImportController,
    ListsApiController,
    SubscribersApiController,
    CampaignsController,
    CampaignsApiController,
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
    CampaignAudience,
    StartCampaign,
    CampaignTransitions,
    SendTestCampaign,
    CampaignsService,
    { provide: CAMPAIGN_TRANSPORT, inject: [APP_CONFIG], useFactory: (c: AppConfig) => createMailTransport(c) },
    CampaignSender,
    SubscriptionsService,
    ListsService,
    SubscribersAdminRepository,
    SubscribersAdminService,
    SubscribeService,
    MailingImportRepository,
    MailingImportService,
    MailingExportService,
    UnsubscribeService,
    PreferencesService,
  ],
  exports: [MailingTokens, SubscribersRepository, ListsRepository, RecipientsRepository, CampaignsRepository, CampaignRenderer, CampaignsService, CampaignSender, SubscriptionsService, UnsubscribeService],
})
export class MailingModule {}
