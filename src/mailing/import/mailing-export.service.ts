import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify';
import { pipeline, Readable } from 'node:stream';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { AppError } from '../../common/errors/app-error';
import { Database } from '../../database/database.service';
import { SubscribersAdminService } from '../subscribers/subscribers-admin.service';
import { SubscriberFilter, SubscribersAdminRepository } from '../subscribers/subscribers-admin.repository';
import { MailingList } from '../lists/entities/mailing-list.entity';
import { ListsRepository } from '../lists/lists.repository';

const BATCH = 1000;

/** A CSV download: its file name and its bytes, as a stream to pipe to the client. */
export interface CsvExport {
  fileName: string;
  csv: Readable;
}

/** A spreadsheet runs a cell that starts like a formula; a leading apostrophe keeps it text (names are user input). */
function cell(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

/**
 * CSV of a list's subscribers or of a search result, streamed: rows are read from the database a batch at a
 * time (by id) and turned into CSV as the reader takes them, so the export never holds the set in memory. Its first
 * columns are what the import reads (email, name, locale), so a file can be imported elsewhere as it is.
 */
@Injectable()
export class MailingExportService {
  constructor(
    private readonly db: Database,
    private readonly repo: SubscribersAdminRepository,
    private readonly admin: SubscribersAdminService,
    private readonly lists: ListsRepository,
    private readonly audit: AuditService,
  ) {}

  /**
   * Checks the list and records the export; then the CSV, produced only as fast as the stream is read (and
   * stopped when it is destroyed, e.g. the client went away).
   */
  async export(actor: Actor, f: SubscriberFilter): Promise<CsvExport> {
    const list = f.listId ? await this.lists.findById(f.listId) : null;
    if (f.listId && !list) throw AppError.notFound('list');
    await this.db.transaction((m) =>
      this.audit.record(m, actor, { action: 'mailing.export', subjectType: list ? 'mailing_list' : undefined, subjectId: list?.id, extra: { filter: f } }),
    );
    const stamp = new Date().toISOString().slice(0, 10);
    const fileName = list ? `list-${list.id}-${stamp}.csv` : `subscribers-${stamp}.csv`;
    const header = list ? ['email', 'name', 'locale', 'status', 'suppressed', 'since'] : ['email', 'name', 'locale', 'lists', 'suppressed', 'created_at'];
    const csv = stringify({ header: true, columns: header });
    // Torn down together: a failed read destroys the CSV with its error, a destroyed CSV ends the walk.
    pipeline(Readable.from(this.records(f, list)), csv, () => undefined);
    return { fileName, csv };
  }

  /** The rows as CSV records, a batch read from the database only once the previous one has been taken. */
  private async *records(f: SubscriberFilter, list: MailingList | null): AsyncGenerator<string[]> {
    let after = 0;
    for (;;) {
      const rows = await this.repo.batchAfter(f, after, BATCH);
      if (!rows.length) return;
      after = rows[rows.length - 1].id;
      for (const s of await this.admin.views(rows)) {
        if (list) {
          const own = s.lists.find((l) => l.listId === list.id);
          yield [s.email, cell(s.name), s.locale ?? '', own?.status ?? '', s.suppressed ?? '', own ? own.since.toISOString() : ''];
        } else {
          yield [s.email, cell(s.name), s.locale ?? '', s.lists.map((l) => `${cell(l.listName)}:${l.status}`).join('; '), s.suppressed ?? '', s.createdAt.toISOString()];
        }
      }
    }
  }
}
