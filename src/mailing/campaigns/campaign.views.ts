import { RecipientStats } from '../sender/recipients.repository';
import { BodyFormat, Campaign, CampaignStatus } from './entities/campaign.entity';

/** Statuses in which the draft may still be edited: nothing has been written for its recipients yet. */
export const EDITABLE: readonly CampaignStatus[] = ['draft', 'scheduled'];

export interface CampaignStatsView {
  recipients: number;
  sent: number;
  failed: number;
  bounced: number;
  unsubscribed: number;
  pending: number;
  sending: number;
  skipped: number;
  unknown: number;
  /** Settled rows (anything not pending or being sent) as a whole percentage of the recipients. */
  progress: number;
}

export interface CampaignView {
  id: number;
  subject: string;
  preheader: string;
  bodyFormat: BodyFormat;
  body: string;
  status: CampaignStatus;
  lists: number[];
  products: number[];
  scheduledAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  recipients: number;
  createdAt: Date;
  updatedAt: Date;
}

export function toCampaignView(c: Campaign, audience: { listIds: number[]; productIds: number[] }): CampaignView {
  return {
    id: c.id,
    subject: c.subject,
    preheader: c.preheader,
    bodyFormat: c.bodyFormat,
    body: c.body,
    status: c.status,
    lists: audience.listIds,
    products: audience.productIds,
    scheduledAt: c.scheduledAt,
    startedAt: c.startedAt,
    finishedAt: c.finishedAt,
    recipients: c.recipients,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

export function toStatsView(s: RecipientStats): CampaignStatsView {
  // Claimed rows are in a sender's hands, not on the wire yet: for the operator, both are "being sent".
  const sending = s.claimed + s.sending;
  const open = s.pending + sending;
  return {
    recipients: s.recipients,
    sent: s.sent,
    failed: s.failed,
    bounced: s.bounced,
    unsubscribed: s.unsubscribed,
    pending: s.pending,
    sending,
    skipped: s.skipped,
    unknown: s.unknown,
    progress: s.recipients ? Math.floor(((s.recipients - open) * 100) / s.recipients) : 0,
  };
}
