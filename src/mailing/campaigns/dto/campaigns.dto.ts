import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import { CAMPAIGN_STATUSES, CampaignStatus } from '../entities/campaign.entity';

export class CampaignStatsResponse {
  @ApiProperty({ description: 'Recipient rows written when sending started' }) recipients: number;
  @ApiProperty() sent: number;
  @ApiProperty({ description: 'Temporary failures that ran out of retries' }) failed: number;
  @ApiProperty({ description: 'Permanent (5xx) failures' }) bounced: number;
  @ApiProperty({ description: 'People who unsubscribed through this campaign' }) unsubscribed: number;
  @ApiProperty() pending: number;
  @ApiProperty() sending: number;
  @ApiProperty({ description: 'Not sent: unsubscribed or suppressed by the time of sending, or cancelled' }) skipped: number;
  @ApiProperty({ description: 'A sender stopped mid-send; resent only when an operator asks' }) unknown: number;
  @ApiProperty({ description: 'Settled rows, whole percent', minimum: 0, maximum: 100 }) progress: number;
}

export class CampaignResponse {
  @ApiProperty() id: number;
  @ApiProperty({ maxLength: 300 }) subject: string;
  @ApiProperty() preheader: string;
  @ApiProperty({ enum: ['markdown', 'html'] }) bodyFormat: 'markdown' | 'html';
  @ApiProperty() body: string;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status: CampaignStatus;
  @ApiProperty({ type: [Number], description: 'List ids' }) lists: number[];
  @ApiProperty({ type: [Number], description: 'Product ids: clients with active access' }) products: number[];
  @ApiProperty({ nullable: true, type: Date }) scheduledAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) startedAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) finishedAt: Date | null;
  @ApiProperty() recipients: number;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
  @ApiProperty({ type: CampaignStatsResponse }) stats: CampaignStatsResponse;
}

export class CampaignListItem {
  @ApiProperty() id: number;
  @ApiProperty() subject: string;
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status: CampaignStatus;
  @ApiProperty() recipients: number;
  @ApiProperty() progress: number;
  @ApiProperty({ nullable: true, type: Date }) scheduledAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) startedAt: Date | null;
  @ApiProperty({ nullable: true, type: Date }) finishedAt: Date | null;
  @ApiProperty() updatedAt: Date;
}

export class CampaignListResponse {
  @ApiProperty({ type: [CampaignListItem] }) items: CampaignListItem[];
  @ApiProperty() total: number;
}

/** Types and rules are checked by the service (one set of messages for forms and API); @Allow keeps the fields. */
export class CreateCampaignDto {
  @ApiProperty({ maxLength: 300 }) @Allow() subject: unknown;
  @ApiProperty({ description: 'Markdown unless bodyFormat is html. Placeholders: {{name}}, {{email}}, {{unsubscribe_url}}, {{preferences_url}}' })
  @Allow()
  body: unknown;
  @ApiProperty({ type: [Number], description: 'List ids (at least one list or product)' }) @Allow() lists: unknown;
  @ApiPropertyOptional({ type: [Number], description: 'Product ids: clients with active access get it too' }) @Allow() products?: unknown;
  @ApiPropertyOptional({ maxLength: 300 }) @Allow() preheader?: unknown;
  @ApiPropertyOptional({ enum: ['markdown', 'html'], default: 'markdown' }) @Allow() bodyFormat?: unknown;
}

export class ScheduleCampaignDto {
  @ApiProperty({ example: '2030-01-01T09:00:00Z', description: 'ISO 8601 instant with a zone, in the future; a time without a zone (2030-01-01T09:00) is read in the site time zone' }) @Allow() at: unknown;
}

export class StartedResponse {
  @ApiProperty({ enum: CAMPAIGN_STATUSES }) status: CampaignStatus;
  @ApiProperty() recipients: number;
}
