import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomToken, sha256 } from '../common/crypto';
import { AppError } from '../common/errors/app-error';
import { APP_CONFIG, AppConfig } from '../config/config';

/** Who may run a kept file: the admin who uploaded it, in the same session. */
export interface StagingOwner {
  userId: number;
  sessionId: number;
}

interface StagedMeta extends StagingOwner {
  expiresAt: number;
}

/** A dry run's file waits this long for "Import these rows". */
export const STAGED_IMPORT_TTL_MS = 30 * 60_000;

const TOKEN = /^[A-Za-z0-9_-]{20,64}$/;
const expired = () => new AppError('gone', 'clients.import_token_expired', 'clientsx.import.token_expired');

/**
 * The file of a CSV dry run, kept server-side so "Import these rows" runs the same bytes without choosing the
 * file again. It lives under the data directory (`<DATA_DIR>/import-staging`, never web-served) as
 * `<sha256(token)>.csv` beside a `.json` naming its owner and expiry; only the token's hash is on disk. A token
 * is good once, for its owner's session, for STAGED_IMPORT_TTL_MS; an unknown, foreign, used or expired token
 * gets the same answer. Expired files are swept whenever a file is kept or taken.
 */
@Injectable()
export class ImportStaging {
  private readonly dir: string;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.dir = path.join(config.dataDir, 'import-staging');
  }

  /** Moves the uploaded temporary file here and returns its token. */
  async keep(tmpPath: string, owner: StagingOwner, now = Date.now()): Promise<{ token: string; expiresAt: Date }> {
    await fs.promises.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await this.sweep(now);
    const token = randomToken(24);
    const base = path.join(this.dir, sha256(token));
    await moveFile(tmpPath, `${base}.csv`);
    const meta: StagedMeta = { ...owner, expiresAt: now + STAGED_IMPORT_TTL_MS };
    await fs.promises.writeFile(`${base}.json`, JSON.stringify(meta), { flag: 'wx', mode: 0o600 });
    return { token, expiresAt: new Date(meta.expiresAt) };
  }

  /**
   * Claims the kept file for a run: it is renamed out of reach first (a second click finds nothing) and the caller
   * deletes it when done (`withTempFile`).
   */
  async take(token: unknown, owner: StagingOwner, now = Date.now()): Promise<string> {
    await this.sweep(now);
    if (typeof token !== 'string' || !TOKEN.test(token)) throw expired();
    const base = path.join(this.dir, sha256(token));
    const meta = await readMeta(`${base}.json`);
    if (!meta || meta.expiresAt <= now || meta.userId !== owner.userId || meta.sessionId !== owner.sessionId) throw expired();
    const claimed = path.join(this.dir, `.run-${randomBytes(12).toString('hex')}`);
    try {
      await fs.promises.rename(`${base}.csv`, claimed);
    } catch {
      throw expired();
    }
    await fs.promises.rm(`${base}.json`, { force: true });
    return claimed;
  }

  /** Deletes every kept file past its expiry (and runs a crash left half-way, after a day). */
  async sweep(now = Date.now()): Promise<void> {
    let names: string[];
    try {
      names = await fs.promises.readdir(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      const file = path.join(this.dir, name);
      if (name.endsWith('.json')) {
        const meta = await readMeta(file);
        if (meta && meta.expiresAt > now) continue;
        await fs.promises.rm(file.replace(/\.json$/, '.csv'), { force: true });
        await fs.promises.rm(file, { force: true });
      } else if (name.startsWith('.run-')) {
        const stat = await fs.promises.stat(file).catch(() => null);
        if (stat && stat.mtimeMs < now - 86400_000) await fs.promises.rm(file, { force: true });
      }
    }
  }
}

async function readMeta(file: string): Promise<StagedMeta | null> {
  try {
    const m = JSON.parse(await fs.promises.readFile(file, 'utf8')) as Partial<StagedMeta>;
    return typeof m.userId === 'number' && typeof m.sessionId === 'number' && typeof m.expiresAt === 'number' ? (m as StagedMeta) : null;
  } catch {
    return null;
  }
}

/** A rename, or a copy where the upload directory is on another file system (FILES_DIR elsewhere). */
async function moveFile(from: string, to: string): Promise<void> {
  try {
    await fs.promises.rename(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    await fs.promises.copyFile(from, to, fs.constants.COPYFILE_EXCL);
    await fs.promises.rm(from, { force: true });
  }
}
