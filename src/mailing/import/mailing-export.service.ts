import { Injectable } from '@nestjs/common';
import { stringify } from 'csv-stringify';
import type { Response } from 'express';
import { once } from 'node:events';
import { Actor } from '../../audit/actor';
import { AuditService } from '../../audit/audit.service';
import { AppError } from '../../common/errors/app-error';
import { Database } from '../../database/database.service';
import { SubscribersAdminService } from '../subscribers/subscribers-admin.service';
import { SubscriberFilter, SubscribersAdminRepository } from '../subscribers/subscribers-admin.repository';
import { ListsRepository } from '../lists/lists.repository';

const BATCH = 1000;

/** A spreadsheet runs a cell that starts like a formula; a leading apostrophe keeps it text (names are user input). */
function cell(v: string): string {
  return /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
}

/**
 * CSV of a list's subscribers or of a search result, streamed: rows are read from the database a batch at a
 * time (by id) and written as the client takes them, so the export never holds the set in memory. Its first
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

  async stream(actor: Actor, f: SubscriberFilter, res: Response): Promise<void> {
    const list = f.listId ? await this.lists.findById(f.listId) : null;
    if (f.listId && !list) throw AppError.notFound('list');
    await this.db.transaction((m) =>
      this.audit.record(m, actor, { action: 'mailing.export', subjectType: list ? 'mailing_list' : undefined, subjectId: list?.id, extra: { filter: f } }),
    );
    const stamp = new Date().toISOString().slice(0, 10);
    const name = list ? `list-${list.id}-${stamp}.csv` : `subscribers-${stamp}.csv`;
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
    res.setHeader('Cache-Control', 'no-store');

    const header = list ? ['email', 'name', 'locale', 'status', 'suppressed', 'since'] : ['email', 'name', 'locale', 'lists', 'suppressed', 'created_at'];
    const csv = stringify({ header: true, columns: header });
    csv.pipe(res);
    let gone = false;
    res.once('close', () => (gone = true));
    let after = 0;
    try {
      while (!gone) {
        const rows = await this.repo.batchAfter(f, after, BATCH);
        if (!rows.length) break;
        after = rows[rows.length - 1].id;
        for (const s of await this.admin.views(rows)) {
          let record: string[];
          if (list) {
            const own = s.lists.find((l) => l.listId === list.id);
            record = [s.email, cell(s.name), s.locale ?? '', own?.status ?? '', s.suppressed ?? '', own ? own.since.toISOString() : ''];
          } else {
            record = [s.email, cell(s.name), s.locale ?? '', s.lists.map((l) => `${cell(l.listName)}:${l.status}`).join('; '), s.suppressed ?? '', s.createdAt.toISOString()];
          }
          if (!csv.write(record)) await Promise.race([once(csv, 'drain'), once(res, 'close')]);
        }
      }
    } finally {
      csv.end();
    }
  }
}
