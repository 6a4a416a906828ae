import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columns } from '../src/database/schema';

export class MembersArea1795436000000 implements MigrationInterface {
  name = 'MembersArea1795436000000';

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
        name: 'products',
        columns: [
          c.id(),
          c.string('slug', 100),
          c.string('title', 200),
          c.text('description'),
          c.string('price_label', 100, { default: '' }),
          c.string('status', 16, { default: 'draft' }),
          c.bool('end_grant_on_refund', true),
          c.datetime('created_at'),
          c.datetime('updated_at'),
        ],
        indices: [new TableIndex({ name: 'uq_products_slug', columnNames: ['slug'], isUnique: true })],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'product_sections',
        columns: [c.id(), c.ref('product_id'), c.string('title', 200), c.int('position', { default: 0 })],
        indices: [new TableIndex({ name: 'ix_sections_product', columnNames: ['product_id', 'position'] })],
        foreignKeys: [fk('product_id', 'products')],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'lessons',
        columns: [
          c.id(),
          c.ref('product_id'),
          c.ref('section_id', true),
          c.string('title', 200),
          c.longText('body_md', false),
          c.longText('body_html', false),
          c.int('position', { default: 0 }),
          c.int('drip_days', { nullable: true }),
          c.datetime('drip_date', true),
          c.datetime('created_at'),
          c.datetime('updated_at'),
        ],
        indices: [new TableIndex({ name: 'ix_lessons_product', columnNames: ['product_id', 'position'] })],
        foreignKeys: [fk('product_id', 'products'), fk('section_id', 'product_sections', 'SET NULL')],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'files',
        columns: [
          c.id(),
          c.ref('product_id'),
          c.ref('lesson_id', true),
          c.string('original_name', 255),
          c.string('storage_key', 64),
          { name: 'size_bytes', type: 'bigint', isNullable: false },
          c.string('content_type', 127),
          c.string('sha256', 64),
          c.ref('created_by', true),
          c.datetime('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_files_storage_key', columnNames: ['storage_key'], isUnique: true }),
          new TableIndex({ name: 'ix_files_lesson', columnNames: ['lesson_id'] }),
          new TableIndex({ name: 'ix_files_product', columnNames: ['product_id'] }),
        ],
        foreignKeys: [fk('product_id', 'products', 'RESTRICT'), fk('lesson_id', 'lessons', 'SET NULL')],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'orders',
        columns: [
          c.id(),
          c.string('external_id', 191),
          c.ref('client_id'),
          c.ref('product_id'),
          c.string('status', 16),
          ...c.money('amount'),
          c.datetime('paid_at'),
          c.datetime('refunded_at', true),
          c.text('payload'),
          c.datetime('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_orders_external', columnNames: ['external_id'], isUnique: true }),
          new TableIndex({ name: 'ix_orders_client', columnNames: ['client_id', 'paid_at'] }),
        ],
        foreignKeys: [fk('client_id', 'users', 'RESTRICT'), fk('product_id', 'products', 'RESTRICT')],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'access_keys',
        columns: [
          c.id(),
          c.string('code', 40),
          c.string('batch', 40),
          c.ref('product_id'),
          c.int('duration_days', { nullable: true }),
          c.datetime('disabled_at', true),
          c.ref('redeemed_by', true),
          c.datetime('redeemed_at', true),
          c.ref('created_by', true),
          c.datetime('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_access_keys_code', columnNames: ['code'], isUnique: true }),
          new TableIndex({ name: 'ix_access_keys_batch', columnNames: ['batch'] }),
          new TableIndex({ name: 'ix_access_keys_product', columnNames: ['product_id'] }),
        ],
        foreignKeys: [fk('product_id', 'products', 'RESTRICT'), fk('redeemed_by', 'users', 'SET NULL')],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'grants',
        columns: [
          c.id(),
          c.ref('client_id'),
          c.ref('product_id'),
          c.datetime('starts_at'),
          c.datetime('ends_at', true),
          c.string('source', 16),
          c.datetime('revoked_at', true),
          c.ref('revoked_by', true),
          c.text('reason'),
          c.ref('order_id', true),
          c.ref('access_key_id', true),
          c.datetime('created_at'),
          c.datetime('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_grants_client_product', columnNames: ['client_id', 'product_id'] }),
          new TableIndex({ name: 'ix_grants_product', columnNames: ['product_id'] }),
        ],
        foreignKeys: [fk('client_id', 'users', 'RESTRICT'), fk('product_id', 'products', 'RESTRICT'), fk('order_id', 'orders', 'SET NULL')],
      }),
    );

    // Every change of a grant, never deleted: what the audit log says in prose, this says as data.
    await qr.createTable(
      new Table({
        name: 'grant_events',
        columns: [
          c.id(),
          c.ref('grant_id'),
          c.string('kind', 16),
          c.datetime('ends_at_before', true),
          c.datetime('ends_at_after', true),
          c.ref('actor_user_id', true),
          c.string('actor_label', 254),
          c.text('reason'),
          c.datetime('created_at'),
        ],
        indices: [new TableIndex({ name: 'ix_grant_events_grant', columnNames: ['grant_id', 'created_at'] })],
        foreignKeys: [fk('grant_id', 'grants')],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'client_notes',
        columns: [c.id(), c.ref('client_id'), c.ref('author_id', true), c.string('author_label', 254), c.text('body', false), c.datetime('created_at')],
        indices: [new TableIndex({ name: 'ix_client_notes_client', columnNames: ['client_id', 'created_at'] })],
        foreignKeys: [fk('client_id', 'users')],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'labels',
        columns: [c.id(), c.string('name', 60), c.datetime('created_at')],
        indices: [new TableIndex({ name: 'uq_labels_name', columnNames: ['name'], isUnique: true })],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'client_labels',
        columns: [
          { ...c.ref('client_id'), isPrimary: true },
          { ...c.ref('label_id'), isPrimary: true },
        ],
        indices: [new TableIndex({ name: 'ix_client_labels_label', columnNames: ['label_id'] })],
        foreignKeys: [fk('client_id', 'users'), fk('label_id', 'labels')],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const t of ['client_labels', 'labels', 'client_notes', 'grant_events', 'grants', 'access_keys', 'orders', 'files', 'lessons', 'product_sections', 'products']) {
      await qr.dropTable(t);
    }
  }
}
