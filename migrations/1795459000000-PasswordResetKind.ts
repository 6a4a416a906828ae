import { MigrationInterface, QueryRunner, TableColumn } from 'typeorm';
import { columns } from '../src/database/schema';

/**
 * password_resets.kind: `reset` (asked for on the forgot-password page) or `welcome` (a set-password link sent to
 * a client created on their behalf). Sending the welcome mail again invalidates the earlier welcome links only,
 * never a reset the person asked for themselves. Existing rows are resets.
 */
export class PasswordResetKind1795459000000 implements MigrationInterface {
  name = 'PasswordResetKind1795459000000';

  async up(qr: QueryRunner): Promise<void> {
    await qr.addColumn('password_resets', new TableColumn(columns(qr).string('kind', 16, { default: 'reset' })));
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropColumn('password_resets', 'kind');
  }
}
