import { Module } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { MembersModule } from '../members/members.module';
import { ThrottleModule } from '../throttle/throttle.module';
import { BansModule } from '../bans/bans.module';
import { CampaignRenderer } from './campaigns/campaign-renderer';
import { CampaignsRepository } from './campaigns/campaigns.repository';
import { CampaignsApiController } from './campaigns/campaigns.api.controller';
import { CampaignsController } from './campaigns/campaigns.controller';
import { CampaignsService } from './campaigns/campaigns.service';
import { CampaignAudience } from './campaigns/usecases/campaign-audience';
import { CampaignTransitions } from './campaigns/usecases/campaign-transitions.usecase';
import { PreviewCampaign } from './campaigns/usecases/preview-campaign.usecase';
import { SendTestCampaign } from './campaigns/usecases/send-test.usecase';
import { StartCampaign } from './campaigns/usecases/start-campaign.usecase';
import { MailingTokens } from './mailing-tokens';
import { BounceHandler } from './inbound/bounce.handler';
import { BouncesRepository } from './inbound/bounces.repository';
import { UnsubscribeMailHandler } from './inbound/unsubscribe-mail.handler';
import { createMailTransport } from '../mail/mail-transport';
import { CAMPAIGN_TRANSPORT, CampaignSender } from './sender/campaign-sender';
import { RecipientsRepository } from './sender/recipients.repository';
import { ListsRepository } from './lists/lists.repository';
import { SubscribersRepository } from './subscribers/subscribers.repository';
import { SubscriptionsService } from './subscribers/subscriptions.service';
import { UnsubscribeService } from './public/unsubscribe.service';
import { AccountMailingController } from './public/account-mailing.controller';
import { PreferencesController } from './public/preferences.controller';
import { PreferencesService } from './public/preferences.service';
import { UnsubscribeController } from './public/unsubscribe.controller';
import { ListsApiController } from './lists/lists.api.controller';
import { SubscribersApiController } from './subscribers/subscribers.api.controller';
import { MailingExportService } from './import/mailing-export.service';
import { MailingImportController } from './import/mailing-import.controller';
import { MailingImportRepository } from './import/mailing-import.repository';
import { MailingImportService } from './import/mailing-import.service';
import { ListsController } from './lists/lists.controller';
import { ListsService } from './lists/lists.service';
import { SubscribeController } from './public/subscribe.controller';
import { SubscribeService } from './public/subscribe.service';
import { SubscribersAdminController } from './subscribers/subscribers-admin.controller';
import { SubscribersAdminRepository } from './subscribers/subscribers-admin.repository';
import { SubscribersAdminService } from './subscribers/subscribers-admin.service';

/**
 * Mailing lists, subscribers and consent, campaigns and their sender, unsubscribe and preferences.
 * Other features change subscriptions through SubscriptionsService.
 */
@Module({
  imports: [MembersModule, ThrottleModule, BansModule],
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
    PreviewCampaign,
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
    BouncesRepository,
    BounceHandler,
    UnsubscribeMailHandler,
  ],
  exports: [MailingTokens, SubscribersRepository, ListsRepository, RecipientsRepository, CampaignsRepository, CampaignRenderer, CampaignsService, CampaignSender, SubscriptionsService, UnsubscribeService],
})
export class MailingModule {}
