import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export type BodyFormat = 'markdown' | 'html';

@Entity('campaigns')
export class Campaign {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 300 }) subject: string;
  @Column({ type: 'varchar', length: 300 }) preheader: string;
  @Column({ name: 'body_format', type: 'varchar', length: 8 }) bodyFormat: BodyFormat;
  @Column({ type: 'text' }) body: string;
  @Column({ type: 'varchar', length: 16 }) status: CampaignStatus;
  @Column({ name: 'scheduled_at', type: 'datetime', nullable: true }) scheduledAt: Date | null;
  @Column({ name: 'started_at', type: 'datetime', nullable: true }) startedAt: Date | null;
  @Column({ name: 'finished_at', type: 'datetime', nullable: true }) finishedAt: Date | null;
  /** Rows written when sending started. */
  @Column({ type: 'integer' }) recipients: number;
  @Column({ name: 'created_by', type: 'integer', nullable: true }) createdBy: number | null;
  @Column({ name: 'created_at', type: 'datetime' }) createdAt: Date;
  @Column({ name: 'updated_at', type: 'datetime' }) updatedAt: Date;
}

@Entity('campaign_lists')
export class CampaignList {
  @PrimaryColumn({ name: 'campaign_id', type: 'integer' }) campaignId: number;
  @PrimaryColumn({ name: 'list_id', type: 'integer' }) listId: number;
}

@Entity('campaign_products')
export class CampaignProduct {
  @PrimaryColumn({ name: 'campaign_id', type: 'integer' }) campaignId: number;
  @PrimaryColumn({ name: 'product_id', type: 'integer' }) productId: number;
}
