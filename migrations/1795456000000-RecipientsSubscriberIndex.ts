import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * campaign_recipients is indexed by subscriber alone, no longer by (subscriber, status): every row changes
 * status twice while it is sent, and each change rewrote an entry of that index, on both engines, for lookups
 * (a person's waiting or in-flight mail) that only ever meet a handful of rows per subscriber. The new index is
 * created first: on MySQL/MariaDB the foreign key on subscriber_id needs an index that starts with it.
 */
export class RecipientsSubscriberIndex1795456000000 implements MigrationInterface {
  name = 'RecipientsSubscriberIndex1795456000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.createIndex('campaign_recipients', new TableIndex({ name: 'ix_recipients_subscriber_id', columnNames: ['subscriber_id'] }));
    await qr.dropIndex('campaign_recipients', 'ix_recipients_subscriber');
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.createIndex('campaign_recipients', new TableIndex({ name: 'ix_recipients_subscriber', columnNames: ['subscriber_id', 'status'] }));
    await qr.dropIndex('campaign_recipients', 'ix_recipients_subscriber_id');
  }
}
