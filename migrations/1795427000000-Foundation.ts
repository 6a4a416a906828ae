import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columns } from '../src/database/schema';

export class Foundation1795427000000 implements MigrationInterface {
  name = 'Foundation1795427000000';

  async up(qr: QueryRunner): Promise<void> {
    const c = columns(qr);

    await qr.createTable(
      new Table({
        name: 'users',
        columns: [
          c.id(),
          c.string('email', 254),
          c.string('name', 200, { default: '' }),
          c.string('role', 16),
          c.string('password_hash', 255, { nullable: true }),
          c.string('locale', 5, { nullable: true }),
          c.datetime('disabled_at', true),
          c.datetime('created_at'),
          c.datetime('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_users_email', columnNames: ['email'], isUnique: true }),
          new TableIndex({ name: 'ix_users_role', columnNames: ['role'] }),
        ],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'sessions',
        columns: [
          c.id(),
          c.string('token_hash', 64),
          c.ref('user_id'),
          c.string('ip', 45, { default: '' }),
          c.string('user_agent', 255, { default: '' }),
          c.datetime('created_at'),
          c.datetime('last_seen_at'),
          c.datetime('expires_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_sessions_token', columnNames: ['token_hash'], isUnique: true }),
          new TableIndex({ name: 'ix_sessions_user', columnNames: ['user_id'] }),
          new TableIndex({ name: 'ix_sessions_expires', columnNames: ['expires_at'] }),
        ],
        foreignKeys: [{ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'password_resets',
        columns: [
          c.id(),
          c.string('token_hash', 64),
          c.ref('user_id'),
          c.datetime('created_at'),
          c.datetime('expires_at'),
          c.datetime('used_at', true),
        ],
        indices: [
          new TableIndex({ name: 'uq_password_resets_token', columnNames: ['token_hash'], isUnique: true }),
          new TableIndex({ name: 'ix_password_resets_user', columnNames: ['user_id'] }),
        ],
        foreignKeys: [{ columnNames: ['user_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'rate_limits',
        columns: [
          { ...c.string('bucket', 191), isPrimary: true },
          c.int('hits', { default: 0 }),
          c.datetime('window_ends_at'),
        ],
        indices: [new TableIndex({ name: 'ix_rate_limits_window', columnNames: ['window_ends_at'] })],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'outbox',
        columns: [
          c.id(),
          c.string('message_id', 255),
          c.string('idempotency_key', 191, { nullable: true }),
          c.string('mail_class', 16),
          c.string('template', 64),
          c.string('locale', 5),
          c.string('from_address', 320),
          c.string('to_address', 320),
          c.string('subject', 998),
          c.longText('html_body', false),
          c.longText('text_body', false),
          c.text('headers', false),
          c.string('status', 16),
          c.int('attempts', { default: 0 }),
          c.datetime('next_attempt_at'),
          c.string('claim_token', 36, { nullable: true }),
          c.datetime('claimed_at', true),
          c.text('last_error'),
          c.datetime('sent_at', true),
          c.datetime('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_outbox_message_id', columnNames: ['message_id'], isUnique: true }),
          new TableIndex({ name: 'uq_outbox_idempotency', columnNames: ['idempotency_key'], isUnique: true }),
          new TableIndex({ name: 'ix_outbox_due', columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({ name: 'ix_outbox_claim', columnNames: ['claim_token'] }),
          new TableIndex({ name: 'ix_outbox_to', columnNames: ['to_address'] }),
        ],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'audit_log',
        columns: [
          c.id(),
          c.ref('actor_user_id', true),
          c.string('actor_label', 254),
          c.string('action', 64),
          c.string('subject_type', 32, { nullable: true }),
          c.string('subject_id', 64, { nullable: true }),
          c.text('summary', false),
          c.string('ip', 45, { default: '' }),
          c.datetime('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_audit_created', columnNames: ['created_at'] }),
          new TableIndex({ name: 'ix_audit_action', columnNames: ['action', 'created_at'] }),
          new TableIndex({ name: 'ix_audit_actor', columnNames: ['actor_user_id', 'created_at'] }),
          new TableIndex({ name: 'ix_audit_subject', columnNames: ['subject_type', 'subject_id'] }),
        ],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          c.id(),
          c.string('name', 100),
          c.string('prefix', 16),
          c.string('key_hash', 64),
          c.ref('created_by', true),
          c.datetime('created_at'),
          c.datetime('last_used_at', true),
          c.datetime('revoked_at', true),
        ],
        indices: [new TableIndex({ name: 'uq_api_keys_hash', columnNames: ['key_hash'], isUnique: true })],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'job_leases',
        columns: [
          { ...c.string('name', 100), isPrimary: true },
          c.string('holder', 64, { default: '' }),
          { name: 'last_tick', type: 'bigint', isNullable: false, default: 0 },
          c.datetime('locked_until'),
        ],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    for (const t of ['job_leases', 'api_keys', 'audit_log', 'outbox', 'rate_limits', 'password_resets', 'sessions', 'users']) {
      await qr.dropTable(t);
    }
  }
}
