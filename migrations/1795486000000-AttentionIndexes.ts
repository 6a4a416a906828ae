import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/**
 * The admin overview's "Needs you" counts ask by status: held orders waiting for review, and manual refunds
 * waiting for the owner to make and confirm them. Both were scans; these make them ranges of an index (the held
 * orders filter of Admin → Orders uses the first too).
 */
export class AttentionIndexes1795486000000 implements MigrationInterface {
  name = 'AttentionIndexes1795486000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.createIndex('orders', new TableIndex({ name: 'ix_orders_status', columnNames: ['status', 'paid_at'] }));
    await qr.createIndex('refunds', new TableIndex({ name: 'ix_refunds_status', columnNames: ['status', 'adapter'] }));
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropIndex('refunds', 'ix_refunds_status');
    await qr.dropIndex('orders', 'ix_orders_status');
  }
}
