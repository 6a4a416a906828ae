import { Inject, Injectable } from '@nestjs/common';
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { EntityManager } from 'typeorm';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { csvRows } from '../common/csv';
import { AppError } from '../common/errors/app-error';
import { FormParts, saveFormFile, withTempFile } from '../common/form-upload';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Database } from '../database/database.service';
import { Product } from '../members/catalogue/entities/product.entity';
import { GrantsRepository } from '../members/access/grants.repository';
import { GrantsService } from '../members/access/grants.service';
import { ProductsRepository } from '../members/catalogue/products.repository';
import { UsersRepository } from '../users/users.repository';
import { ImportStaging, StagingOwner } from './import-staging';
import { CreateClient } from './usecases/create-client.usecase';
import { endOfLocalDay } from '../common/time/zoned-time';
import { isEmail } from '../common/email';
import { BanCheck } from '../bans/ban-check';

/** A skipped row: its line in the file and its problems (keys under clients.problem). */
export interface RowProblem {
  row: number;
  email: string;
  problems: string[];
}

export interface ImportReport {
  dryRun: boolean;
  /** New clients get the welcome mail (a real run; the dry run remembers the choice for its "Import these rows"). */
  welcome: boolean;
  /** A dry run with rows to import keeps its file under this token (see ImportStaging). */
  token: string | null;
  tokenExpiresAt: Date | null;
  rows: number;
  valid: number;
  createdClients: number;
  grantsCreated: number;
  grantsExtended: number;
  unchanged: number;
  skipped: RowProblem[];
  /** Rows imported with a remark (keys under clients.problem), e.g. no product: the client only. */
  warnings: RowProblem[];
}

interface Row {
  line: number;
  email: string;
  name: string;
  product: string;
  expires: string;
}

/** `none`: a new client without a product (the account only). */
type Outcome = 'granted' | 'extended' | 'unchanged' | 'none';

const REQUIRED_COLUMNS = ['email'];

const fileRequired = () => AppError.validation({ file: 'clients.errors.file_required' });
const tooLarge = () => new AppError('payload_too_large', 'clients.file_too_large', 'clients.errors.file_too_large', { file: 'clients.errors.file_too_large' });
const badCsv = (detail?: string) => AppError.validation({ file: 'clients.errors.bad_csv' }, detail);

/**
 * CSV import of clients with access (the shape of a WordPress users export). The upload is streamed to a
 * temporary file and then read row by row: the file itself is never held in memory, only the report and the
 * email|product pairs seen (for duplicates). A dry run checks every row and writes nothing; a real run writes each valid row in its own transaction, so one bad row never undoes the others.
 */
@Injectable()
export class ClientsImportService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: Database,
    private readonly users: UsersRepository,
    private readonly createClient: CreateClient,
    private readonly staging: ImportStaging,
    private readonly products: ProductsRepository,
    private readonly grantsRepo: GrantsRepository,
    private readonly grants: GrantsService,
    private readonly audit: AuditService,
    private readonly bans: BanCheck,
  ) {}

  /**
   * Reads the uploaded form. Its fields may come in any order, so the file is first streamed to a
   * temporary file (never held in memory) and the rows are read only once the whole form is in, when `dryRun`
   * is known. A dry run with rows to import keeps the file for `runStaged()`; otherwise it is deleted.
   */
  async run(actor: Actor, owner: StagingOwner, form: FormParts, timeZone: string): Promise<ImportReport> {
    const { fields, tmpPath } = await saveFormFile(form, {
      dir: this.config.filesDir,
      maxBytes: this.config.maxUploadBytes,
      fileField: 'file',
      errors: { fileRequired, tooLarge, badBody: badCsv },
    });
    return withTempFile(tmpPath, async (tmpPath) => {
      if (!tmpPath) throw fileRequired();
      const dryRun = isOn(fields.dryRun);
      const report = await this.processFile(actor, tmpPath, dryRun, isOn(fields.welcome), timeZone);
      if (dryRun && report.valid > 0) {
        const kept = await this.staging.keep(tmpPath, owner);
        report.token = kept.token;
        report.tokenExpiresAt = kept.expiresAt;
      }
      return report;
    });
  }

  /** "Import these rows": the file a dry run kept, for real; used once, then deleted. */
  async runStaged(actor: Actor, owner: StagingOwner, token: unknown, welcome: boolean, timeZone: string): Promise<ImportReport> {
    const file = await this.staging.take(token, owner);
    return withTempFile(file, (path) => this.processFile(actor, path!, false, welcome, timeZone));
  }

  private async processFile(actor: Actor, tmpPath: string, dryRun: boolean, welcome: boolean, timeZone: string): Promise<ImportReport> {
    const file = fs.createReadStream(tmpPath);
    try {
      return await this.process(actor, file, dryRun, welcome, timeZone);
    } finally {
      file.destroy();
    }
  }

  /** `expires` dates are "until" dates in `timeZone`, the importing person's. */
  private async process(actor: Actor, file: Readable, dryRun: boolean, welcome: boolean, timeZone: string): Promise<ImportReport> {
    const report: ImportReport = {
      dryRun,
      welcome,
      token: null,
      tokenExpiresAt: null,
      rows: 0,
      valid: 0,
      createdClients: 0,
      grantsCreated: 0,
      grantsExtended: 0,
      unchanged: 0,
      skipped: [],
      warnings: [],
    };
    const rows = await csvRows(file, (cols) => {
      if (!REQUIRED_COLUMNS.every((c) => cols.includes(c))) throw AppError.validation({ file: 'clients.errors.bad_header' });
    });
    const seen = new Set<string>();
    const productCache = new Map<string, Product | null>();
    const now = new Date();
    try {
      for await (const { record, info } of rows) {
        const row: Row = {
          line: info.lines,
          email: (record.email ?? '').trim().toLowerCase(),
          name: (record.name ?? '').trim(),
          product: (record.product ?? '').trim().toLowerCase(),
          expires: (record.expires ?? '').trim(),
        };
        report.rows++;
        const problems: string[] = [];
        if (!isEmail(row.email)) problems.push('bad_email');
        if (row.name.length > 200) problems.push('name_too_long');
        let product = productCache.get(row.product);
        if (product === undefined) {
          product = row.product ? await this.products.findBySlug(row.product) : null;
          productCache.set(row.product, product);
        }
        // No product at all imports the client only (a warning); a product that does not exist is an error.
        if (!product && row.product) problems.push('unknown_product');
        let endsAt: Date | null = null;
        if (row.expires) {
          endsAt = endOfLocalDay(row.expires, timeZone);
          if (!endsAt) problems.push('bad_date');
          else if (endsAt <= now) problems.push('date_past');
        }
        const key = `${row.email}|${row.product}`;
        if (seen.has(key)) problems.push('duplicate');
        seen.add(key);
        if (!problems.length) {
          const existing = await this.users.findByEmail(row.email);
          if (existing && existing.role !== 'client') problems.push('staff_email');
          // A banned identity is refused as a new client and gets no new access either (the dry run says so too).
          else if (await this.bans.findActive(row.email, now)) problems.push('banned');
        }
        if (problems.length) {
          report.skipped.push({ row: row.line, email: row.email, problems });
          continue;
        }
        report.valid++;
        if (!product) report.warnings.push({ row: row.line, email: row.email, problems: ['no_product'] });
        if (dryRun) continue;
        try {
          const { created, outcome } = await this.db.transaction((m) => this.writeRow(m, actor, row, product ?? null, endsAt, welcome));
          if (created) report.createdClients++;
          if (outcome === 'granted') report.grantsCreated++;
          else if (outcome === 'extended') report.grantsExtended++;
          else if (outcome === 'unchanged') report.unchanged++;
        } catch (e) {
          report.valid--;
          if (!product) report.warnings.pop();
          report.skipped.push({ row: row.line, email: row.email, problems: [e instanceof AppError ? 'conflict' : 'write_failed'] });
        }
      }
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw badCsv((e as Error).message);
    }
    if (!report.rows) throw AppError.validation({ file: 'clients.errors.empty_file' });
    if (!dryRun) {
      await this.db.transaction((m) =>
        this.audit.record(m, actor, {
          action: 'clients.import',
          subjectType: 'client',
          extra: {
            rows: report.rows,
            createdClients: report.createdClients,
            grantsCreated: report.grantsCreated,
            grantsExtended: report.grantsExtended,
            unchanged: report.unchanged,
            skipped: report.skipped.length,
          },
        }),
      );
    }
    return report;
  }

  /**
   * A new client through CreateClient (account, grant, welcome mail naming the row's product); for a client who
   * exists, access at least until `endsAt`: a new grant, a longer end for a running one, or nothing if it already
   * lasts. A row without a product creates the client only.
   */
  private async writeRow(
    m: EntityManager,
    actor: Actor,
    row: Row,
    product: Product | null,
    endsAt: Date | null,
    welcome: boolean,
  ): Promise<{ created: boolean; outcome: Outcome }> {
    const client = await this.users.findByEmail(row.email, m);
    if (!client) {
      await this.createClient.execute(m, actor, {
        email: row.email,
        name: row.name,
        locale: null,
        grants: product ? [{ product: { id: product.id, title: product.title }, endsAt }] : [],
        source: 'import',
        reason: 'CSV import',
        welcome,
        via: 'import',
      });
      return { created: true, outcome: product ? 'granted' : 'none' };
    }
    if (!product) return { created: false, outcome: 'unchanged' };
    const current = await this.grantsRepo.findActive(client.id, product.id, new Date(), m);
    if (!current) {
      await this.grants.grant(m, actor, { clientId: client.id, productId: product.id, source: 'import', endsAt, reason: 'CSV import' });
      return { created: false, outcome: 'granted' };
    }
    if (current.endsAt === null || (endsAt !== null && current.endsAt >= endsAt)) return { created: false, outcome: 'unchanged' };
    await this.grants.extend(m, actor, current.id, endsAt, 'CSV import');
    return { created: false, outcome: 'extended' };
  }
}

const isOn = (v: string | undefined) => ['1', 'on', 'true'].includes(v ?? '');
