import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { columns } from '../src/database/schema';

/** site_settings: what the owner sets in Admin → Settings, one row per setting changed from its default. */
export class SiteSettings1795462000000 implements MigrationInterface {
  name = 'SiteSettings1795462000000';

  async up(qr: QueryRunner): Promise<void> {
    const c = columns(qr);
    await qr.createTable(
      new Table({
        name: 'site_settings',
        columns: [{ ...c.string('name', 64), isPrimary: true }, c.text('value', false), c.datetime('updated_at')],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('site_settings');
  }
}
