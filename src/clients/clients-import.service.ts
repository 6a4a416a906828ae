import { Inject, Injectable } from '@nestjs/common';
import busboy from 'busboy';
import { parse } from 'csv-parse';
import type { Request } from 'express';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { EntityManager } from 'typeorm';
import { Actor } from '../audit/actor';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/errors/app-error';
import { MULTIPART_SLACK, stopReading } from '../common/http/stop-reading';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Database } from '../database/database.service';
import { Product } from '../members/entities/product.entity';
import { GrantsRepository } from '../members/grants.repository';
import { GrantsService } from '../members/grants.service';
import { ProductsRepository } from '../members/products.repository';
import { UsersRepository } from '../users/users.repository';
import { UsersService } from '../users/users.service';
import { EMAIL_RE, endOfDay } from './clients.views';

/** A skipped row: its line in the file and its problems (keys under clients.problem). */
export interface RowProblem {
  row: number;
  email: string;
  problems: string[];
}

export interface ImportReport {
  dryRun: boolean;
  rows: number;
  valid: number;
  createdClients: number;
  grantsCreated: number;
  grantsExtended: number;
  unchanged: number;
  skipped: RowProblem[];
}

interface Row {
  line: number;
  email: string;
  name: string;
  product: string;
  expires: string;
}

type Outcome = 'granted' | 'extended' | 'unchanged';

const REQUIRED_COLUMNS = ['email', 'product'];

const fileRequired = () => AppError.validation({ file: 'clients.errors.file_required' });
const tooLarge = () => new AppError('payload_too_large', 'clients.file_too_large', 'clients.errors.file_too_large', { file: 'clients.errors.file_too_large' });

/** The header decides: a file is either comma- or semicolon-separated, so a `;` inside a comma file's name stays. */
function delimiterOf(head: Buffer): string {
  const line = head.toString('utf8').split(/\r?\n/, 1)[0];
  return (line.match(/;/g)?.length ?? 0) > (line.match(/,/g)?.length ?? 0) ? ';' : ',';
}

/** The first chunk of the upload (empty if there is none), leaving the stream paused for a later pipe. */
function firstChunk(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const done = (chunk: Buffer) => {
      stream.off('data', onData).off('end', onEnd).off('error', reject);
      stream.pause();
      resolve(chunk);
    };
    const onData = (chunk: Buffer) => done(chunk);
    const onEnd = () => done(Buffer.alloc(0));
    stream.on('data', onData).on('end', onEnd).on('error', reject);
  });
}

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
    private readonly usersService: UsersService,
    private readonly products: ProductsRepository,
    private readonly grantsRepo: GrantsRepository,
    private readonly grants: GrantsService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Reads the multipart upload. The form's fields may come in any order, so the file is first streamed to a
   * temporary file (never held in memory) and the rows are read only once the whole form is in, when `dryRun`
   * is known.
   */
  async run(actor: Actor, req: Request): Promise<ImportReport> {
    if (!String(req.headers['content-type'] ?? '').startsWith('multipart/form-data')) throw fileRequired();
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > this.config.maxUploadBytes + MULTIPART_SLACK) {
      stopReading(req);
      throw tooLarge();
    }
    const { fields, tmpPath } = await this.receive(req);
    if (!tmpPath) throw fileRequired();
    const file = fs.createReadStream(tmpPath);
    try {
      return await this.process(actor, file, ['1', 'on', 'true'].includes(fields.dryRun ?? ''));
    } finally {
      file.destroy();
      await fs.promises.rm(tmpPath, { force: true });
    }
  }

  /** The form's fields, and its `file` part saved to a temporary file (null when there was none). */
  private async receive(req: Request): Promise<{ fields: Record<string, string>; tmpPath: string | null }> {
    await fs.promises.mkdir(this.config.filesDir, { recursive: true });
    const max = this.config.maxUploadBytes;
    return new Promise((resolve, reject) => {
      let bb: busboy.Busboy;
      try {
        bb = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 4096 } });
      } catch {
        reject(fileRequired());
        return;
      }
      const fields: Record<string, string> = {};
      let tmpPath: string | null = null;
      let out: fs.WriteStream | null = null;
      let written: Promise<void> | null = null;
      let failed = false;
      const fail = (e: unknown) => {
        if (failed) return;
        failed = true;
        req.unpipe(bb);
        stopReading(req);
        out?.destroy();
        (tmpPath ? fs.promises.rm(tmpPath, { force: true }) : Promise.resolve()).finally(() => reject(e));
      };
      bb.on('field', (name, value) => {
        fields[name] = value;
      });
      bb.on('file', (name, stream) => {
        if (name !== 'file' || written || failed) {
          stream.resume();
          return;
        }
        tmpPath = path.join(this.config.filesDir, `.import-${randomBytes(12).toString('hex')}`);
        const o = (out = fs.createWriteStream(tmpPath, { flags: 'wx' }));
        let size = 0;
        written = new Promise<void>((res, rej) => {
          stream.on('data', (chunk: Buffer) => {
            if (failed) return;
            size += chunk.length;
            if (size > max) return rej(tooLarge());
            if (!o.write(chunk)) {
              stream.pause();
              o.once('drain', () => stream.resume());
            }
          });
          stream.on('error', rej);
          o.on('error', rej);
          stream.on('end', () => {
            if (!failed) o.end(() => res());
          });
        });
        written.catch(fail);
      });
      bb.on('error', (e) => fail(AppError.validation({ file: 'clients.errors.bad_csv' }, (e as Error).message)));
      bb.on('close', () => {
        if (failed) return;
        if (!written) return resolve({ fields, tmpPath: null });
        written.then(() => resolve({ fields, tmpPath }), fail);
      });
      // A client that goes away mid-upload must not leave this promise (and its request) hanging.
      req.once('aborted', () => fail(fileRequired()));
      req.pipe(bb);
    });
  }

  private async process(actor: Actor, file: Readable, dryRun: boolean): Promise<ImportReport> {
    const report: ImportReport = { dryRun, rows: 0, valid: 0, createdClients: 0, grantsCreated: 0, grantsExtended: 0, unchanged: 0, skipped: [] };
    const first = await firstChunk(file);
    const parser = parse({
      bom: true,
      delimiter: delimiterOf(first),
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
      columns: (header: string[]) => {
        const cols = header.map((h) => String(h).trim().toLowerCase());
        if (!REQUIRED_COLUMNS.every((c) => cols.includes(c))) throw AppError.validation({ file: 'clients.errors.bad_header' });
        return cols;
      },
    });
    // An empty upload has already ended: piping it would leave the parser waiting for ever.
    if (first.length) {
      parser.write(first);
      file.pipe(parser);
    } else parser.end();
    const seen = new Set<string>();
    const productCache = new Map<string, Product | null>();
    const now = new Date();
    try {
      for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string | undefined>; info: { lines: number } }>) {
        const row: Row = {
          line: info.lines,
          email: (record.email ?? '').trim().toLowerCase(),
          name: (record.name ?? '').trim(),
          product: (record.product ?? '').trim().toLowerCase(),
          expires: (record.expires ?? '').trim(),
        };
        report.rows++;
        const problems: string[] = [];
        if (!EMAIL_RE.test(row.email) || row.email.length > 254) problems.push('bad_email');
        if (row.name.length > 200) problems.push('name_too_long');
        let product = productCache.get(row.product);
        if (product === undefined) {
          product = row.product ? await this.products.findBySlug(row.product) : null;
          productCache.set(row.product, product);
        }
        if (!product) problems.push('unknown_product');
        let endsAt: Date | null = null;
        if (row.expires) {
          endsAt = endOfDay(row.expires);
          if (!endsAt) problems.push('bad_date');
          else if (endsAt <= now) problems.push('date_past');
        }
        const key = `${row.email}|${row.product}`;
        if (seen.has(key)) problems.push('duplicate');
        seen.add(key);
        if (!problems.length) {
          const existing = await this.users.findByEmail(row.email);
          if (existing && existing.role !== 'client') problems.push('staff_email');
        }
        if (problems.length) {
          report.skipped.push({ row: row.line, email: row.email, problems });
          continue;
        }
        report.valid++;
        if (dryRun) continue;
        try {
          const { created, outcome } = await this.db.transaction((m) => this.writeRow(m, actor, row, product!, endsAt));
          if (created) report.createdClients++;
          if (outcome === 'granted') report.grantsCreated++;
          else if (outcome === 'extended') report.grantsExtended++;
          else report.unchanged++;
        } catch (e) {
          report.valid--;
          report.skipped.push({ row: row.line, email: row.email, problems: [e instanceof AppError ? 'conflict' : 'write_failed'] });
        }
      }
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw AppError.validation({ file: 'clients.errors.bad_csv' }, (e as Error).message);
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

  /** Access at least until `endsAt`: a new grant, a longer end for a running one, or nothing if it already lasts. */
  private async writeRow(
    m: EntityManager,
    actor: Actor,
    row: Row,
    product: Product,
    endsAt: Date | null,
  ): Promise<{ created: boolean; outcome: Outcome }> {
    let client = await this.users.findByEmail(row.email, m);
    const created = !client;
    if (!client) client = await this.usersService.create(m, { email: row.email, name: row.name, role: 'client', password: null });
    const current = await this.grantsRepo.findActive(client.id, product.id, new Date(), m);
    if (!current) {
      await this.grants.grant(m, actor, { clientId: client.id, productId: product.id, source: 'import', endsAt, reason: 'CSV import' });
      return { created, outcome: 'granted' };
    }
    if (current.endsAt === null || (endsAt !== null && current.endsAt >= endsAt)) return { created, outcome: 'unchanged' };
    await this.grants.extend(m, actor, current.id, endsAt, 'CSV import');
    return { created, outcome: 'extended' };
  }
}
