import { Inject, Injectable } from '@nestjs/common';
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { EntityManager } from 'typeorm';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { csvRows } from '../../common/csv';
import { isEmail } from '../../common/email';
import { AppError } from '../../common/errors/app-error';
import { FormParts, ReceivedUpload, saveFormFile, withTempFile } from '../../common/form-upload';
import { APP_CONFIG, AppConfig, Locale } from '../../config/config';
import { Database } from '../../database/database.service';
import { MailingList } from '../lists/entities/mailing-list.entity';
import { SUPPRESSION_REASONS, SuppressionReason } from '../subscribers/entities/subscriber.entity';
import { ListsRepository } from '../lists/lists.repository';
import { ConsentContext, SubscriptionsService } from '../subscribers/subscriptions.service';
import { MailingImportRepository } from './mailing-import.repository';

export const IMPORT_MODES = ['subscribe', 'suppress'] as const;
export type ImportMode = (typeof IMPORT_MODES)[number];

export interface ImportOptions {
  mode: ImportMode;
  /** Subscribe mode: the list everyone in the file is added to. */
  listId?: number;
  /** Suppress mode: why these addresses get no marketing mail. */
  reason?: SuppressionReason;
  dryRun: boolean;
}

/** A row left out: its line in the file and its problems (keys under mailing.import.problem). */
export interface ImportProblem {
  line: number;
  email: string;
  problems: string[];
}

export interface MailingImportReport {
  dryRun: boolean;
  mode: ImportMode;
  listName: string | null;
  reason: SuppressionReason | null;
  rows: number;
  valid: number;
  /** Addresses new to the mailing side. */
  created: number;
  /** Subscribe: now confirmed on the list. */
  added: number;
  /** Subscribe: were confirmed already. Suppress: were suppressed for this reason already. */
  already: number;
  /** Subscribe: the person had unsubscribed; an import does not override that. */
  keptUnsubscribed: number;
  /** Subscribe: bounced, complained or banned, left as they are. Suppress: newly suppressed. */
  suppressed: number;
  invalid: number;
  /** The first PROBLEMS_SHOWN problem rows (all of them are counted in `invalid`). */
  problems: ImportProblem[];
}

interface Row {
  line: number;
  email: string;
  name: string;
  locale: Locale | null;
}

const PROBLEMS_SHOWN = 1000;
const BATCH = 500;
const NAME_MAX = 200;

const fileRequired = () => AppError.validation({ file: 'mailing.errors.file_required' });
const tooLarge = () => new AppError('payload_too_large', 'mailing.file_too_large', 'mailing.errors.file_too_large', { file: 'mailing.errors.file_too_large' });
const badCsv = (detail?: string) => AppError.validation({ file: 'mailing.errors.bad_csv' }, detail);

/**
 * CSV import into the mailing side: columns `email,name[,locale]`, either subscribing everyone to one list
 * (source `import`) or suppressing them (a reason). The upload is streamed to a temporary file and then read row
 * by row, so neither the file nor its rows are held in memory (only the set of addresses seen, for duplicates).
 * A dry run checks every row and writes nothing. A real run writes a batch of rows per transaction: addresses
 * never seen before go in with a few multi-row statements; anyone already known goes through
 * SubscriptionsService, whose rules decide (an unsubscribed or suppressed person stays so).
 */
@Injectable()
export class MailingImportService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly lists: ListsRepository,
    private readonly repo: MailingImportRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Receives the admin's import form (`file`, `mode`, `listId`, `reason`, `dryRun`, in any order): the
   * fields, and the file streamed to a temporary file. Pass the result to `importUpload`, which removes the file.
   */
  receiveUpload(form: FormParts): Promise<ReceivedUpload> {
    return saveFormFile(form, {
      dir: this.config.filesDir,
      maxBytes: this.config.maxUploadBytes,
      fileField: 'file',
      errors: { fileRequired, tooLarge, badBody: badCsv },
    });
  }

  async importUpload(actor: Actor, upload: ReceivedUpload): Promise<MailingImportReport> {
    return withTempFile(upload.tmpPath, async (tmpPath) => {
      const opts = parseOptions(upload.fields);
      if (!tmpPath) throw fileRequired();
      return this.importFile(actor, tmpPath, opts);
    });
  }

  /** Imports a CSV file on disk (the upload once received; the benchmark calls it directly). */
  async importFile(actor: Actor, file: string, opts: ImportOptions): Promise<MailingImportReport> {
    const list = await this.checkOptions(opts);
    const stream = fs.createReadStream(file);
    try {
      return await this.process(actor, stream, opts, list);
    } finally {
      stream.destroy();
    }
  }

  private async checkOptions(opts: ImportOptions): Promise<MailingList | null> {
    if (opts.mode === 'suppress') {
      if (!opts.reason || !SUPPRESSION_REASONS.includes(opts.reason)) throw AppError.validation({ reason: 'mailing.errors.reason' });
      return null;
    }
    const list = opts.listId ? await this.lists.findById(opts.listId) : null;
    if (!list || list.archivedAt) throw AppError.validation({ listId: 'mailing.errors.unknown_list' });
    return list;
  }

  private async process(actor: Actor, file: Readable, opts: ImportOptions, list: MailingList | null): Promise<MailingImportReport> {
    const report: MailingImportReport = {
      dryRun: opts.dryRun,
      mode: opts.mode,
      listName: list?.name ?? null,
      reason: opts.mode === 'suppress' ? opts.reason! : null,
      rows: 0,
      valid: 0,
      created: 0,
      added: 0,
      already: 0,
      keptUnsubscribed: 0,
      suppressed: 0,
      invalid: 0,
      problems: [],
    };
    const problem = (line: number, email: string, problems: string[]) => {
      report.invalid++;
      if (report.problems.length < PROBLEMS_SHOWN) report.problems.push({ line, email: email.slice(0, 254), problems });
    };
    const csv = await csvRows(file, (cols) => {
      if (!cols.includes('email')) throw AppError.validation({ file: 'mailing.errors.bad_header' });
    });

    const ctx: ConsentContext = { source: 'import', ip: actor.ip, actor };
    const seen = new Set<string>();
    let batch: Row[] = [];
    const flush = async () => {
      const rows = batch;
      batch = [];
      if (rows.length) await this.writeBatch(rows, opts, list, ctx, report, problem);
    };
    try {
      for await (const { record, info } of csv) {
        report.rows++;
        const row: Row = { line: info.lines, email: (record.email ?? '').trim().toLowerCase(), name: (record.name ?? '').trim().replace(/\s+/g, ' '), locale: null };
        const problems: string[] = [];
        if (!isEmail(row.email)) problems.push('bad_email');
        if (row.name.length > NAME_MAX) problems.push('name_too_long');
        const locale = (record.locale ?? '').trim().toLowerCase();
        if (locale === 'ru' || locale === 'en') row.locale = locale;
        else if (locale) problems.push('bad_locale');
        if (row.email && seen.has(row.email)) problems.push('duplicate');
        if (row.email) seen.add(row.email);
        if (problems.length) {
          problem(row.line, row.email, problems);
          continue;
        }
        report.valid++;
        if (opts.dryRun) continue;
        batch.push(row);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw badCsv((e as Error).message);
    }
    if (!report.rows) throw AppError.validation({ file: 'mailing.errors.empty_file' });
    if (!opts.dryRun) {
      await this.db.transaction((m) =>
        this.audit.record(m, ctx.actor!, {
          action: 'mailing.import',
          subjectType: list ? 'mailing_list' : undefined,
          subjectId: list?.id,
          extra: {
            mode: report.mode,
            reason: report.reason,
            rows: report.rows,
            created: report.created,
            added: report.added,
            already: report.already,
            keptUnsubscribed: report.keptUnsubscribed,
            suppressed: report.suppressed,
            invalid: report.invalid,
          },
        }),
      );
    }
    return report;
  }

  /**
   * One transaction per batch. If it fails as a whole (say another request created one of the addresses in
   * the meantime), the batch is written again row by row, so one bad row never undoes the others.
   */
  private async writeBatch(rows: Row[], opts: ImportOptions, list: MailingList | null, ctx: ConsentContext, report: MailingImportReport, problem: (line: number, email: string, p: string[]) => void) {
    const tally: Partial<MailingImportReport> = {};
    const count = (k: 'created' | 'added' | 'already' | 'keptUnsubscribed' | 'suppressed', n = 1) => (tally[k] = ((tally[k] as number) ?? 0) + n);
    try {
      await this.db.transaction((m) => (list ? this.subscribeBatch(m, rows, list, ctx, count) : this.suppressBatch(m, rows, opts.reason!, ctx, count)));
    } catch {
      for (const k of Object.keys(tally)) delete (tally as Record<string, unknown>)[k];
      for (const row of rows) {
        try {
          await this.db.transaction((m) => (list ? this.subscribeBatch(m, [row], list, ctx, count) : this.suppressBatch(m, [row], opts.reason!, ctx, count)));
        } catch {
          report.valid--;
          problem(row.line, row.email, ['write_failed']);
        }
      }
    }
    for (const [k, v] of Object.entries(tally)) (report as unknown as Record<string, number>)[k] += v as number;
  }

  private async subscribeBatch(m: EntityManager, rows: Row[], list: MailingList, ctx: ConsentContext, count: (k: 'created' | 'added' | 'already' | 'keptUnsubscribed' | 'suppressed', n?: number) => void) {
    const known = await this.repo.subscribersByEmail(m, rows.map((r) => r.email));
    const fresh = rows.filter((r) => !known.has(r.email));
    const now = new Date();
    if (fresh.length) {
      // Never seen before: nothing for the consent rules to weigh, so the outcome is "subscribed", written in bulk.
      const users = await this.repo.usersByEmail(m, fresh.map((r) => r.email));
      const ids = await this.repo.insertSubscribers(
        m,
        fresh.map((r) => {
          const u = users.get(r.email);
          return { email: r.email, name: (r.name || u?.name || '').slice(0, NAME_MAX), locale: r.locale ?? (u?.locale as Locale | null | undefined) ?? null, userId: u?.id ?? null };
        }),
        now,
      );
      const subscriberIds = fresh.map((r) => ids.get(r.email)!);
      await this.repo.insertConfirmed(m, list.id, subscriberIds, now);
      await this.repo.insertConsent(
        m,
        subscriberIds.map((subscriberId) => ({ subscriberId, listId: list.id, campaignId: null, action: 'subscribed', source: ctx.source, ip: ctx.ip, actorUserId: ctx.actor?.userId ?? null, detail: '' })),
        now,
      );
      count('created', fresh.length);
      count('added', fresh.length);
    }
    const existing = rows.filter((r) => known.has(r.email));
    if (!existing.length) return;
    const current = await this.repo.subscriptionsOn(m, list.id, existing.map((r) => known.get(r.email)!.id));
    for (const row of existing) {
      const s = known.get(row.email)!;
      // Confirmed already, nothing to fill in: the service would change nothing either.
      if (!s.suppressedReason && current.get(s.id)?.status === 'confirmed' && (!row.name || s.name)) {
        count('already');
        continue;
      }
      const res = await this.subscriptions.subscribe(m, { email: row.email, name: row.name || undefined, locale: row.locale, listIds: [list.id] }, ctx);
      const outcome = res.outcomes[list.id];
      if (outcome === 'subscribed') count('added');
      else if (outcome === 'already') count('already');
      else if (outcome === 'kept_unsubscribed') count('keptUnsubscribed');
      else if (outcome === 'suppressed') count('suppressed');
    }
  }

  private async suppressBatch(m: EntityManager, rows: Row[], reason: SuppressionReason, ctx: ConsentContext, count: (k: 'created' | 'already' | 'suppressed', n?: number) => void) {
    const known = await this.repo.subscribersByEmail(m, rows.map((r) => r.email));
    for (const row of rows) {
      const s = known.get(row.email);
      if (s?.suppressedReason === reason) {
        count('already');
        continue;
      }
      await this.subscriptions.suppressEmail(m, row.email, reason, ctx, `${reason} (CSV import)`);
      if (!s) count('created');
      count('suppressed');
    }
  }
}

/** The form's fields as import options; an unknown mode or reason is a field error, not a guess. */
export function parseOptions(fields: Record<string, string | undefined>): ImportOptions {
  const mode = (fields.mode || 'subscribe') as ImportMode;
  if (!IMPORT_MODES.includes(mode)) throw AppError.validation({ mode: 'mailing.errors.invalid' });
  const listId = fields.listId && /^\d{1,9}$/.test(fields.listId) ? Number(fields.listId) : undefined;
  return {
    mode,
    listId,
    reason: fields.reason ? (fields.reason as SuppressionReason) : undefined,
    dryRun: ['1', 'on', 'true'].includes(fields.dryRun ?? ''),
  };
}
