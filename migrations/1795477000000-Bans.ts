import { MigrationInterface, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { emailKey } from '../src/bans/email-key';
import { columns } from '../src/database/schema';

/**
 * Bans: `users.email_key` (the identity behind the address, src/bans/email-key.ts), filled here for every existing
 * user in JS, batch by batch, so SQLite and MySQL get the very same keys; and `bans`, one row per ban that is never
 * deleted: lifting fills the lift columns, a new ban of the same identity is a new row, so the rows of one
 * `key_hmac` are that identity's history. `key_hmac` is HMAC-SHA256(SECRET_KEY, key): it stays when anonymisation
 * clears the address and the key columns, and still matches the same person signing up again.
 */
export class Bans1795477000000 implements MigrationInterface {
  name = 'Bans1795477000000';

  async up(qr: QueryRunner): Promise<void> {
    const c = columns(qr);
    await qr.addColumn('users', new TableColumn(c.string('email_key', 254, { nullable: true })));
    await qr.createIndex('users', new TableIndex({ name: 'ix_users_email_key', columnNames: ['email_key'] }));
    for (let lastId = 0; ; ) {
      const rows: { id: number | string; email: string }[] = await qr.query('SELECT id, email FROM users WHERE id > ? ORDER BY id LIMIT 500', [lastId]);
      if (!rows.length) break;
      for (const r of rows) await qr.query('UPDATE users SET email_key = ? WHERE id = ?', [emailKey(r.email), r.id]);
      lastId = Number(rows[rows.length - 1].id);
    }

    await qr.createTable(
      new Table({
        name: 'bans',
        columns: [
          c.id(),
          c.string('kind', 16),
          // the address key (kind address) or the domain (kind domain); null once anonymised
          c.string('email_key', 254, { nullable: true }),
          c.string('key_hmac', 64),
          c.text('reason', false),
          c.datetime('expires_at', true),
          c.ref('case_id', true),
          c.ref('created_by', true),
          c.datetime('created_at'),
          c.datetime('lifted_at', true),
          c.ref('lifted_by', true),
          c.text('lift_reason', true),
        ],
        indices: [
          new TableIndex({ name: 'ix_bans_key_hmac', columnNames: ['key_hmac', 'lifted_at'] }),
          new TableIndex({ name: 'ix_bans_email_key', columnNames: ['email_key'] }),
          new TableIndex({ name: 'ix_bans_created', columnNames: ['created_at', 'id'] }),
          new TableIndex({ name: 'ix_bans_case', columnNames: ['case_id'] }),
        ],
        foreignKeys: [
          { columnNames: ['created_by'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'SET NULL' },
          { columnNames: ['lifted_by'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'SET NULL' },
        ],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('bans');
    await qr.dropIndex('users', 'ix_users_email_key');
    await qr.dropColumn('users', 'email_key');
  }
}
