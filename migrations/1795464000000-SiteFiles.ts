import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columns } from '../src/database/schema';

/** site_files: files of the site itself (the logo of Admin → Settings), stored under random names like lesson files. */
export class SiteFiles1795464000000 implements MigrationInterface {
  name = 'SiteFiles1795464000000';

  async up(qr: QueryRunner): Promise<void> {
    const c = columns(qr);
    await qr.createTable(
      new Table({
        name: 'site_files',
        columns: [
          c.id(),
          c.string('kind', 16),
          c.string('storage_key', 64),
          c.string('content_type', 127),
          c.int('size_bytes'),
          c.string('sha256', 64),
          c.ref('created_by', true),
          c.datetime('created_at'),
        ],
        indices: [new TableIndex({ name: 'uq_site_files_storage_key', columnNames: ['storage_key'], isUnique: true })],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('site_files');
  }
}
