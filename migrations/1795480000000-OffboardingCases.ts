import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';
import { columns } from '../src/database/schema';

/**
 * Offboarding (issue 15): one row per case and one per step of it. `offboarding_cases.active_client_id` is the
 * client's id while the case is open (proposed, scheduled, running, attention) and NULL after: its unique index is
 * how two workers or a double click make one case, on both engines. `locked_until` + `runner_token` are the
 * runner's claim on a case, so two runners never run its steps at once. `offboarding_steps.idempotency_key` is
 * unique (`offboarding:<caseId>:<step>`): a step cannot be written twice.
 */
export class OffboardingCases1795480000000 implements MigrationInterface {
  name = 'OffboardingCases1795480000000';

  async up(qr: QueryRunner): Promise<void> {
    const c = columns(qr);
    await qr.createTable(
      new Table({
        name: 'offboarding_cases',
        columns: [
          c.id(),
          c.ref('client_id'),
          c.string('status', 16),
          c.text('reason', false),
          c.text('evidence', false),
          // CaseInput as JSON: steps, when, the edited notice, refunds, grants, ban options
          c.longText('input', false),
          c.datetime('run_at'),
          c.datetime('created_at'),
          c.ref('created_by', true),
          c.string('created_by_label', 254),
          c.string('created_by_role', 16),
          c.ref('approved_by', true),
          c.string('approved_by_label', 254, { nullable: true }),
          c.datetime('approved_at', true),
          c.datetime('started_at', true),
          c.datetime('finished_at', true),
          c.datetime('canceled_at', true),
          c.string('canceled_by_label', 254, { nullable: true }),
          c.datetime('reinstated_at', true),
          c.string('reinstated_by_label', 254, { nullable: true }),
          c.text('reinstate_result', true),
          c.string('notice_subject', 500, { nullable: true }),
          c.longText('notice_body', true),
          c.string('notice_locale', 5, { nullable: true }),
          c.datetime('notice_sent_at', true),
          c.int('active_client_id', { nullable: true }),
          c.datetime('locked_until', true),
          c.string('runner_token', 64, { nullable: true }),
          c.datetime('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'ux_offboarding_cases_active_client', columnNames: ['active_client_id'], isUnique: true }),
          new TableIndex({ name: 'ix_offboarding_cases_client', columnNames: ['client_id', 'id'] }),
          new TableIndex({ name: 'ix_offboarding_cases_due', columnNames: ['status', 'run_at'] }),
          new TableIndex({ name: 'ix_offboarding_cases_created', columnNames: ['created_at', 'id'] }),
        ],
        foreignKeys: [
          { columnNames: ['client_id'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'CASCADE' },
          { columnNames: ['created_by'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'SET NULL' },
          { columnNames: ['approved_by'], referencedTableName: 'users', referencedColumnNames: ['id'], onDelete: 'SET NULL' },
        ],
      }),
    );

    await qr.createTable(
      new Table({
        name: 'offboarding_steps',
        columns: [
          c.id(),
          c.ref('case_id'),
          c.string('name', 16),
          c.int('position'),
          c.string('status', 16),
          c.int('attempts', { default: 0 }),
          c.string('idempotency_key', 120),
          c.string('external_ref', 255, { nullable: true }),
          c.longText('result', true),
          c.text('last_error', true),
          c.datetime('next_attempt_at', true),
          c.datetime('started_at', true),
          c.datetime('finished_at', true),
          c.string('actor_label', 254, { nullable: true }),
          c.datetime('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'ux_offboarding_steps_key', columnNames: ['idempotency_key'], isUnique: true }),
          new TableIndex({ name: 'ux_offboarding_steps_case_name', columnNames: ['case_id', 'name'], isUnique: true }),
          // the runner's "due" query: steps waiting or retrying whose time has come
          new TableIndex({ name: 'ix_offboarding_steps_due', columnNames: ['status', 'next_attempt_at'] }),
        ],
        foreignKeys: [{ columnNames: ['case_id'], referencedTableName: 'offboarding_cases', referencedColumnNames: ['id'], onDelete: 'CASCADE' }],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('offboarding_steps');
    await qr.dropTable('offboarding_cases');
  }
}
