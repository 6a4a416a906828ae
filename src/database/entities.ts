import { ApiKey } from '../auth/api-keys/entities/api-key.entity';
import { AuditEntry } from '../audit/entities/audit-entry.entity';
import { PasswordReset } from '../auth/entities/password-reset.entity';
import { Session } from '../auth/entities/session.entity';
import { OutboxMessage } from '../mail/entities/outbox-message.entity';
import { RateLimit } from '../throttle/rate-limit.entity';
import { User } from '../users/entities/user.entity';
import { SiteSetting } from '../settings/entities/site-setting.entity';
import { SiteFile } from '../settings/brand/entities/site-file.entity';
import { JobLease } from './entities/job-lease.entity';
import { InboundMessage } from '../inbound/entities/inbound-message.entity';
import { ClientNote } from '../clients/entities/client-note.entity';
import { ClientLabel, Label } from '../clients/entities/label.entity';
import { AccessKey } from '../members/keys/entities/access-key.entity';
import { GrantEvent } from '../members/access/entities/grant-event.entity';
import { Grant } from '../members/access/entities/grant.entity';
import { Lesson } from '../members/catalogue/entities/lesson.entity';
import { Product } from '../members/catalogue/entities/product.entity';
import { Section } from '../members/catalogue/entities/section.entity';
import { StoredFile } from '../members/catalogue/entities/stored-file.entity';
import { ProductCover } from '../members/catalogue/entities/product-cover.entity';
import { LessonCompletion } from '../members/client-area/entities/lesson-completion.entity';
import { Order } from '../members/orders/entities/order.entity';
import { Refund } from '../members/orders/refunds/entities/refund.entity';
import { CampaignRecipient } from '../mailing/campaigns/entities/campaign-recipient.entity';
import { Campaign, CampaignList, CampaignProduct } from '../mailing/campaigns/entities/campaign.entity';
import { ConsentEvent } from '../mailing/subscribers/entities/consent-event.entity';
import { MailingList } from '../mailing/lists/entities/mailing-list.entity';
import { Subscriber } from '../mailing/subscribers/entities/subscriber.entity';
import { Subscription } from '../mailing/subscribers/entities/subscription.entity';
import { Ban } from '../bans/entities/ban.entity';
import { ClientWarning } from '../clients/warnings/entities/client-warning.entity';
import { OffboardingCase } from '../offboarding/entities/offboarding-case.entity';
import { OffboardingStep } from '../offboarding/entities/offboarding-step.entity';
import { CannedReply, Ticket, TicketAttachment, TicketMailAck, TicketMessage } from '../support/entities/ticket.entity';

export const ENTITIES = [
  User, Session, PasswordReset, RateLimit, OutboxMessage, AuditEntry, ApiKey, JobLease, SiteSetting, SiteFile,
  Product, Section, Lesson, StoredFile, ProductCover, LessonCompletion, Grant, GrantEvent, AccessKey, Order, Refund, ClientNote, Label, ClientLabel,
  MailingList, Subscriber, Subscription, ConsentEvent, Campaign, CampaignList, CampaignProduct, CampaignRecipient,
  InboundMessage,
  Ticket, TicketMessage, TicketAttachment, TicketMailAck, CannedReply,
  Ban,
  ClientWarning,
  OffboardingCase, OffboardingStep,
];
