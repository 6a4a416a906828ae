import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AppConfig } from '../config/config';
import { ImportStaging, STAGED_IMPORT_TTL_MS } from './import-staging';

describe('ImportStaging', () => {
  let dataDir: string;
  let staging: ImportStaging;
  const owner = { userId: 7, sessionId: 70 };
  const upload = (text = 'email\na@example.com\n') => {
    const p = path.join(dataDir, `.upload-${Math.random().toString(16).slice(2)}`);
    fs.writeFileSync(p, text);
    return p;
  };
  const stagedFiles = () => fs.readdirSync(path.join(dataDir, 'import-staging'));

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kb-staging-'));
    staging = new ImportStaging({ dataDir } as AppConfig);
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('keeps the upload under the hash of a token and hands it back once, to its owner', async () => {
    const tmp = upload('the same bytes');
    const { token, expiresAt } = await staging.keep(tmp, owner, 1_000);
    expect(expiresAt.getTime()).toBe(1_000 + STAGED_IMPORT_TTL_MS);
    expect(fs.existsSync(tmp)).toBe(false);
    expect(stagedFiles().some((n) => n.includes(token))).toBe(false);
    await expect(staging.take(token, { userId: 7, sessionId: 71 }, 2_000)).rejects.toMatchObject({ code: 'clients.import_token_expired' });
    await expect(staging.take(token, { userId: 8, sessionId: 70 }, 2_000)).rejects.toMatchObject({ code: 'clients.import_token_expired' });
    const file = await staging.take(token, owner, 2_000);
    expect(fs.readFileSync(file, 'utf8')).toBe('the same bytes');
    await expect(staging.take(token, owner, 2_000)).rejects.toMatchObject({ code: 'clients.import_token_expired' });
    expect(stagedFiles().filter((n) => !n.startsWith('.run-'))).toEqual([]);
  });

  it('refuses an expired token and sweeps expired files whenever another file is kept', async () => {
    const old = await staging.keep(upload(), owner, 0);
    await expect(staging.take(old.token, owner, STAGED_IMPORT_TTL_MS)).rejects.toMatchObject({ code: 'clients.import_token_expired' });
    expect(stagedFiles()).toEqual([]);
    const a = await staging.keep(upload(), owner, 0);
    await staging.keep(upload(), owner, STAGED_IMPORT_TTL_MS + 1);
    expect(stagedFiles()).toHaveLength(2);
    await expect(staging.take(a.token, owner, STAGED_IMPORT_TTL_MS + 2)).rejects.toBeDefined();
    for (const bad of [undefined, '', '../x', 'A'.repeat(100)]) await expect(staging.take(bad, owner)).rejects.toMatchObject({ code: 'clients.import_token_expired' });
  });
});
