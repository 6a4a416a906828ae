/**
 * npm run bench:import — a 100,000-row subscriber CSV imported into one list through the real import service
 * (the code behind Admin → Mailing → Import) on SQLite, after the upload has landed on disk.
 * Prints: import: N rows in S s, peak RSS M MB      (target: under 15 s; BENCH_ROWS changes N)
 */
process.env.TZ = 'UTC';
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createApp } from '../src/app';
import { loadConfig } from '../src/config/config';
import { Database } from '../src/database/database.service';
import { Subscription } from '../src/mailing/subscribers/entities/subscription.entity';
import { MailingImportService } from '../src/mailing/import/mailing-import.service';
import { ListsService } from '../src/mailing/lists/lists.service';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const ACTOR = { userId: null, label: 'bench', ip: '127.0.0.1' };

async function writeCsv(file: string): Promise<void> {
  const out = fs.createWriteStream(file);
  out.write('email,name,locale\n');
  for (let i = 0; i < ROWS; i++) {
    const line = `person.${i}@example${i % 97}.com,Person ${i},${i % 2 ? 'ru' : 'en'}\n`;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kabinet-bench-import-'));
  const config = loadConfig({ DATA_DIR: dir, SECRET_KEY: 'bench-secret-0123456789abcdef0123456789', LOG_LEVEL: 'error', DEFAULT_LOCALE: 'en' }, dir);
  const app = await createApp(config, { runJobs: false });
  await app.init();
  try {
    const list = await app.get(ListsService).create(ACTOR, { name: 'Bench list', optIn: 'double', isPublic: true });
    const file = path.join(dir, 'subscribers.csv');
    await writeCsv(file);

    const started = process.hrtime.bigint();
    const report = await app.get(MailingImportService).importFile(ACTOR, file, { mode: 'subscribe', listId: list.id, dryRun: false });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const peakMb = process.resourceUsage().maxRSS / 1024;

    const confirmed = await app.get(Database).manager.countBy(Subscription, { listId: list.id, status: 'confirmed' });
    if (report.rows !== ROWS || report.added !== ROWS || confirmed !== ROWS) {
      throw new Error(`expected ${ROWS} rows added, got rows=${report.rows} added=${report.added} invalid=${report.invalid} confirmed=${confirmed}`);
    }
    console.log(`import: ${report.rows} rows in ${seconds.toFixed(1)} s, peak RSS ${peakMb.toFixed(0)} MB`);
  } finally {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
