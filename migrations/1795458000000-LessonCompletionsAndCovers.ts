import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columns } from '../src/database/schema';

/**
 * The lesson player and product covers.
 *
 * lesson_completions: a client's "done" mark on a lesson, with the time it was first marked. One row per
 * client and lesson (the unique key makes marking twice change nothing). It goes with its lesson and with its
 * client (ON DELETE CASCADE), so a progress count never includes a lesson that no longer exists.
 *
 * product_covers: a product's cover image (at most one, keyed by the product), stored like lesson files under
 * FILES_DIR with a random name; the type is the one sniffed from its bytes. A table of its own rather than
 * columns on products, so the products table (with the lessons and grants hanging on it) is left as it is.
 */
export class LessonCompletionsAndCovers1795458000000 implements MigrationInterface {
  name = 'LessonCompletionsAndCovers1795458000000';

  async up(qr: QueryRunner): Promise<void> {
    const c = columns(qr);
    await qr.createTable(
      new Table({
        name: 'lesson_completions',
        columns: [c.id(), c.ref('client_id'), c.ref('lesson_id'), c.datetime('completed_at')],
        indices: [
          // Leads with client_id, so it also serves the foreign key on client_id and "my completions" reads.
          new TableIndex({ name: 'uq_lesson_completions_client_lesson', columnNames: ['client_id', 'lesson_id'], isUnique: true }),
          new TableIndex({ name: 'ix_lesson_completions_lesson', columnNames: ['lesson_id'] }),
        ],
        foreignKeys: [
          { columnNames: ['client_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
          { columnNames: ['lesson_id'], referencedTableName: 'lessons', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'product_covers',
        columns: [
          { ...c.ref('product_id'), isPrimary: true },
          c.string('storage_key', 64),
          c.string('content_type', 32),
          c.int('size_bytes'),
          c.ref('created_by', true),
          c.datetime('created_at'),
        ],
        indices: [new TableIndex({ name: 'uq_product_covers_storage_key', columnNames: ['storage_key'], isUnique: true })],
        foreignKeys: [
          { columnNames: ['product_id'], referencedTableName: 'products', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
          { columnNames: ['created_by'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'SET NULL' },
        ],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('product_covers');
    await qr.dropTable('lesson_completions');
  }
}
