import { Foundation1795427000000 } from './1795427000000-Foundation';
import { MembersArea1795436000000 } from './1795436000000-MembersArea';
import { Mailing1795445000000 } from './1795445000000-Mailing';
import { LessonOutlineIndex1795454000000 } from './1795454000000-LessonOutlineIndex';
import { RecipientsClaimById1795455000000 } from './1795455000000-RecipientsClaimById';
import { RecipientsSubscriberIndex1795456000000 } from './1795456000000-RecipientsSubscriberIndex';
import { GrantEventsOrderId1795457000000 } from './1795457000000-GrantEventsOrderId';
import { LessonCompletionsAndCovers1795458000000 } from './1795458000000-LessonCompletionsAndCovers';
import { PasswordResetKind1795459000000 } from './1795459000000-PasswordResetKind';
import { SiteSettings1795462000000 } from './1795462000000-SiteSettings';
import { UserTimeZone1795463000000 } from './1795463000000-UserTimeZone';
import { SiteFiles1795464000000 } from './1795464000000-SiteFiles';
import { InboundMessages1795470000000 } from './1795470000000-InboundMessages';
import { Tickets1795471000000 } from './1795471000000-Tickets';
import { TicketInboundMail1795472000000 } from './1795472000000-TicketInboundMail';
import { TicketMetrics1795473000000 } from './1795473000000-TicketMetrics';
import { Refunds1795476000000 } from './1795476000000-Refunds';
import { Bans1795477000000 } from './1795477000000-Bans';
import { OffboardingCases1795480000000 } from './1795480000000-OffboardingCases';
import { ClientWarnings1795483000000 } from './1795483000000-ClientWarnings';
import { AttentionIndexes1795486000000 } from './1795486000000-AttentionIndexes';

/** Every migration, in order. Listed explicitly so the app, the CLI and the tests run the same set. */
export const MIGRATIONS = [Foundation1795427000000, MembersArea1795436000000, Mailing1795445000000, LessonOutlineIndex1795454000000, RecipientsClaimById1795455000000, RecipientsSubscriberIndex1795456000000, GrantEventsOrderId1795457000000, LessonCompletionsAndCovers1795458000000, PasswordResetKind1795459000000, SiteSettings1795462000000, UserTimeZone1795463000000, SiteFiles1795464000000, InboundMessages1795470000000, Tickets1795471000000, TicketInboundMail1795472000000, TicketMetrics1795473000000, Refunds1795476000000, Bans1795477000000, OffboardingCases1795480000000, ClientWarnings1795483000000, AttentionIndexes1795486000000];
