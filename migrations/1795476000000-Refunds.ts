import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { columns } from '../src/database/schema';

/**
 * Refunds of orders through a payment adapter (manual, http, YooKassa, Stripe), and on `orders` the payment
 * provider and the provider's payment id, which the provider adapters refund against.
 *
 * `idempotency_key` is unique: it is the key sent to the provider (`offboarding:<caseId>:<orderId>`), and the row
 * is written and committed before the provider is called, so a resume after a crash finds it and asks the provider
 * (lookup) before creating anything.
 */
export class Refunds1795476000000 implements MigrationInterface {
  name = 'Refunds1795476000000';

  async up(qr: QueryRunner): Promise<void> {
    const c = columns(qr);
    await qr.addColumn('orders', new TableColumn({ ...c.string('payment_provider', 16, { nullable: true }) }));
    await qr.addColumn('orders', new TableColumn({ ...c.string('payment_ref', 191, { nullable: true }) }));
    await qr.createTable(
      new Table({
        name: 'refunds',
        columns: [
          c.id(),
          c.ref('order_id'),
          c.string('idempotency_key', 191),
          c.string('adapter', 16),
          // what the adapter refunds against: the provider's payment id, or the seller's order id
          c.string('order_ref', 191),
          ...c.money('amount'),
          c.string('status', 16),
          c.string('provider_ref', 191, { nullable: true }),
          c.int('attempts', { default: 0 }),
          c.text('last_error'),
          c.datetime('requested_at'),
          c.datetime('updated_at'),
          c.datetime('finished_at', true),
          c.ref('created_by', true),
          c.string('created_by_label', 200),
        ],
        indices: [
          new TableIndex({ name: 'uq_refunds_key', columnNames: ['idempotency_key'], isUnique: true }),
          new TableIndex({ name: 'ix_refunds_order', columnNames: ['order_id', 'id'] }),
          new TableIndex({ name: 'ix_refunds_provider_ref', columnNames: ['adapter', 'provider_ref'] }),
        ],
        foreignKeys: [
          { columnNames: ['order_id'], referencedTableName: 'orders', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
          { columnNames: ['created_by'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'SET NULL' },
        ],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('refunds');
    await qr.dropColumn('orders', 'payment_ref');
    await qr.dropColumn('orders', 'payment_provider');
  }
}
