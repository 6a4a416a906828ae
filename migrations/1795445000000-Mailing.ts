import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columns } from '../src/database/schema';

/**
 * Mailing: lists, subscribers with per-list status and a consent record for every change, global suppression,
 * campaigns and their recipient rows (one row per campaign × subscriber, the unit a sender claims).
 */
export class Mailing1795445000000 implements MigrationInterface {
  name = 'Mailing1795445000000';

  async up(qr: QueryRunner): Promise<void> {
    const c = columns(qr);
    const fk = (col: string, table: string, onDelete: 'CASCADE' | 'SET NULL' | 'RESTRICT' = 'CASCADE') => ({
      columnNames: [col],
      referencedTableName: table,
      referencedColumnNames: ['id'],
      onDelete,
    });

    await qr.createTable(
      new Table({
        name: 'mailing_lists',
        columns: [
          c.id(),
          c.string('name', 200),
          c.text('description'),
          /** Stable part of the List-Id header: `<key.host>`. */
          c.string('list_key', 64),
          c.bool('is_public', false),
          c.string('opt_in', 8, { default: 'double' }),
          c.datetime('archived_at', true),
          c.datetime('created_at'),
          c.datetime('updated_at'),
        ],
        indices: [new TableIndex({ name: 'uq_mailing_lists_key', columnNames: ['list_key'], isUnique: true })],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'subscribers',
        columns: [
          c.id(),
          c.string('email', 254),
          c.string('name', 200, { default: '' }),
          c.string('locale', 5, { nullable: true }),
          c.ref('user_id', true),
          /** Global suppression: unsubscribed (from all), bounced, complained, banned. Null = may receive marketing mail. */
          c.string('suppressed_reason', 16, { nullable: true }),
          c.datetime('suppressed_at', true),
          c.datetime('created_at'),
          c.datetime('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_subscribers_email', columnNames: ['email'], isUnique: true }),
          new TableIndex({ name: 'ix_subscribers_user', columnNames: ['user_id'] }),
        ],
        foreignKeys: [fk('user_id', 'users', 'SET NULL')],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'subscriptions',
        columns: [
          c.id(),
          c.ref('subscriber_id'),
          c.ref('list_id'),
          c.string('status', 16),
          /** sha256 of the double opt-in token; null once confirmed or when none is pending. */
          c.string('confirm_token_hash', 64, { nullable: true }),
          c.datetime('confirm_sent_at', true),
          c.datetime('created_at'),
          c.datetime('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_subscriptions', columnNames: ['subscriber_id', 'list_id'], isUnique: true }),
          new TableIndex({ name: 'ix_subscriptions_list', columnNames: ['list_id', 'status'] }),
          new TableIndex({ name: 'uq_subscriptions_token', columnNames: ['confirm_token_hash'], isUnique: true }),
        ],
        foreignKeys: [fk('subscriber_id', 'subscribers'), fk('list_id', 'mailing_lists')],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'consent_events',
        columns: [
          c.id(),
          c.ref('subscriber_id'),
          /** null: a change of the global state (suppression, unsubscribe from all). */
          c.ref('list_id', true),
          c.ref('campaign_id', true),
          c.string('action', 24),
          c.string('source', 16),
          c.string('ip', 45, { default: '' }),
          c.ref('actor_user_id', true),
          c.string('detail', 255, { default: '' }),
          c.datetime('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_consent_subscriber', columnNames: ['subscriber_id', 'id'] }),
          new TableIndex({ name: 'ix_consent_campaign', columnNames: ['campaign_id', 'action'] }),
        ],
        foreignKeys: [fk('subscriber_id', 'subscribers'), fk('list_id', 'mailing_lists', 'SET NULL')],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'campaigns',
        columns: [
          c.id(),
          c.string('subject', 300),
          c.string('preheader', 300, { default: '' }),
          c.string('body_format', 8, { default: 'markdown' }),
          c.longText('body', false),
          c.string('status', 16, { default: 'draft' }),
          c.datetime('scheduled_at', true),
          c.datetime('started_at', true),
          c.datetime('finished_at', true),
          c.int('recipients', { default: 0 }),
          c.ref('created_by', true),
          c.datetime('created_at'),
          c.datetime('updated_at'),
        ],
        indices: [new TableIndex({ name: 'ix_campaigns_status', columnNames: ['status', 'scheduled_at'] })],
        foreignKeys: [fk('created_by', 'users', 'SET NULL')],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'campaign_lists',
        columns: [c.ref('campaign_id'), c.ref('list_id')],
        indices: [new TableIndex({ name: 'uq_campaign_lists', columnNames: ['campaign_id', 'list_id'], isUnique: true })],
        foreignKeys: [fk('campaign_id', 'campaigns'), fk('list_id', 'mailing_lists', 'RESTRICT')],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'campaign_products',
        columns: [c.ref('campaign_id'), c.ref('product_id')],
        indices: [new TableIndex({ name: 'uq_campaign_products', columnNames: ['campaign_id', 'product_id'], isUnique: true })],
        foreignKeys: [fk('campaign_id', 'campaigns'), fk('product_id', 'products', 'RESTRICT')],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'campaign_recipients',
        columns: [
          c.id(),
          c.ref('campaign_id'),
          c.ref('subscriber_id'),
          /** The list through which the subscriber is in the audience; null = through a product grant only. */
          c.ref('list_id', true),
          /** pending → sending → sent | failed | bounced | skipped | unknown (see src/mailing/sender). */
          c.string('status', 12, { default: 'pending' }),
          c.int('attempts', { default: 0 }),
          c.datetime('next_attempt_at'),
          c.string('claim_token', 36, { nullable: true }),
          c.datetime('claimed_at', true),
          c.string('last_error', 500, { nullable: true }),
          c.datetime('sent_at', true),
        ],
        indices: [
          new TableIndex({ name: 'uq_campaign_recipients', columnNames: ['campaign_id', 'subscriber_id'], isUnique: true }),
          new TableIndex({ name: 'ix_recipients_claim', columnNames: ['campaign_id', 'status', 'next_attempt_at'] }),
          new TableIndex({ name: 'ix_recipients_subscriber', columnNames: ['subscriber_id', 'status'] }),
          new TableIndex({ name: 'ix_recipients_token', columnNames: ['claim_token'] }),
        ],
        foreignKeys: [fk('campaign_id', 'campaigns'), fk('subscriber_id', 'subscribers')],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const t of ['campaign_recipients', 'campaign_products', 'campaign_lists', 'campaigns', 'consent_events', 'subscriptions', 'subscribers', 'mailing_lists']) {
      await qr.dropTable(t);
    }
  }
}
