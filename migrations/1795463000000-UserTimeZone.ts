import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { columns } from '../src/database/schema';

/** users.time_zone: the zone a person picked for their dates (an IANA name); null = the site zone. */
export class UserTimeZone1795463000000 implements MigrationInterface {
  name = 'UserTimeZone1795463000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.addColumn('users', new TableColumn(columns(qr).string('time_zone', 64, { nullable: true })));
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropColumn('users', 'time_zone');
  }
}
